FROM python:3.11-slim

WORKDIR /app
# An image is a deployment: production checks apply, so it starts only with a JWT_SECRET of its own
# (and MAIL_BACKEND=smtp); nothing in it signs with a value anyone could read here.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 ENVIRONMENT=production
# What `pip install .` builds from: the metadata's readme and license files, and the four packages (whose
# templates, catalogs and data pyproject.toml's package-data carries into the installed package).
COPY requirements.lock pyproject.toml README.md LICENSE NOTICE ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY domain domain
COPY application application
COPY adapters adapters
COPY entrypoints entrypoints
RUN pip install --no-cache-dir --no-deps . && useradd --create-home accounts \
    && mkdir /data && chown accounts /data
USER accounts
# Without DATABASE_URL the service keeps an SQLite file here (and warns that production wants PostgreSQL):
# mount a volume on /data to keep it.
WORKDIR /data
VOLUME /data

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=2)"
CMD ["sh", "-c", "accounts migrate && accounts serve --host 0.0.0.0 --port 8000"]
