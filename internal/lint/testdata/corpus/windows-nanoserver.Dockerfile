# escape=`
FROM mcr.microsoft.com/windows/nanoserver:ltsc2022@sha256:6666666666666666666666666666666666666666666666666666666666666666
WORKDIR C:\app
WORKDIR app\bin
COPY app.exe .
CMD ["app.exe"]
