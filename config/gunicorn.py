"""gunicorn's settings for this site: `gunicorn config.wsgi -c config/gunicorn.py`.

Its access log writes every request, as the combined log format does, with the secret of any
confirm or manage link in the request line, the query string or the Referer header redacted.
"""

from gunicorn.glogging import Logger

accesslog = "-"


class SecretLinksRedacted(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        # Read here, not at the top: the main process loads this file before Django.
        from signatures.secret_links import RedactSecretLinks

        # A request that breaks a worker is logged with its path.
        if not any(isinstance(f, RedactSecretLinks) for f in self.error_log.filters):
            self.error_log.addFilter(RedactSecretLinks())

    def atoms(self, resp, req, environ, request_time):
        from signatures.secret_links import redact_secret_links

        atoms = super().atoms(resp, req, environ, request_time)
        return {
            name: redact_secret_links(value) if isinstance(value, str) else value
            for name, value in atoms.items()
        }


logger_class = SecretLinksRedacted
