FROM python:3.12-slim
RUN pip install --no-cache-dir flask requests==2.32.3 -r requirements.txt
RUN python3 -m pip install gunicorn
RUN npm install -g typescript @angular/cli@17.3.0 && npm install
USER 10001
ENTRYPOINT ["gunicorn", "app:app"]
