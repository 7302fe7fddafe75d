# The issuer service image (ARCHITECTURE §8): gunicorn workers, PostgreSQL via VAXPASS_DATABASE_URL,
# keys and published trust lists under the /data volume (or DSC keys in an HSM via PKCS#11).
# Give it VAXPASS_DSC_PASSPHRASE_FILE (a mounted secret) and no other passphrase: it never needs
# the CSCA's or the trust-list signer's (README, Running the signing PKI).
# Not built in this project's CI: its machines run no Docker engine.
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends libzbar0 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY hcert ./hcert
COPY verifier ./verifier
COPY keys ./keys
COPY trust_list ./trust_list
COPY issuer ./issuer
COPY checkpoint_app ./checkpoint_app
COPY vaxpass ./vaxpass
RUN pip install --no-cache-dir '.[issuer,verifier,hsm]'

RUN useradd --uid 10001 --no-create-home vaxpass && mkdir /data && chown vaxpass /data
USER vaxpass
ENV VAXPASS_DATA=/data
VOLUME /data
EXPOSE 8000
CMD ["sh", "-c", "vaxpass db upgrade && exec vaxpass serve --host 0.0.0.0 --port 8000 --workers 4"]
