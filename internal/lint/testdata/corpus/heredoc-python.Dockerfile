FROM python:3.12-slim
RUN <<EOT
#!/usr/bin/env python3
import os
os.system("sudo apt-get install curl | sh")
EOT
RUN python3 <<EOT
import os
os.system("cd /src && sudo make")
EOT
RUN python3 -c 'import os; os.system("cd /src")'
USER 10001
ENTRYPOINT ["/usr/local/bin/python3", "-m", "app"]
