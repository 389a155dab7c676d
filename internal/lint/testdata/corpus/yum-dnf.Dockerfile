FROM registry.access.redhat.com/ubi9/ubi:9.4
RUN yum install httpd
RUN dnf install -y nginx && dnf clean all
RUN microdnf install shadow-utils
USER 1001
ENTRYPOINT ["/usr/sbin/nginx", "-g", "daemon off;"]
