FROM ubuntu
USER 10001
CMD ["bash"]
