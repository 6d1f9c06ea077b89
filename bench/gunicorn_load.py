"""gunicorn settings for the load test (bench/load.sh): logs a server-side duration per request
and sends the application's own log records (tracebacks included) to the error log, so that
the run can be checked for "database is locked" and for unhandled errors."""
import os

bind = os.environ.get("LOAD_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("LOAD_WORKERS", "2"))
worker_class = "sync"
timeout = 120
# %(M)s: request duration in milliseconds, as the server saw it.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
accesslog = os.environ.get("LOAD_ACCESS_LOG", "-")
errorlog = os.environ.get("LOAD_ERROR_LOG", "-")
loglevel = "info"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "WARNING", "handlers": ["error_console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False, "qualname": "gunicorn.error"},
        "gunicorn.access": {"level": "INFO", "handlers": ["access_console"], "propagate": False, "qualname": "gunicorn.access"},
    },
    "handlers": {
        "error_console": {"class": "logging.FileHandler", "formatter": "generic", "filename": errorlog}
        if errorlog != "-" else {"class": "logging.StreamHandler", "formatter": "generic", "stream": "ext://sys.stderr"},
        "access_console": {"class": "logging.FileHandler", "formatter": "access", "filename": accesslog}
        if accesslog != "-" else {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout"},
    },
    "formatters": {
        "generic": {"format": "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s"},
        "access": {"format": "%(message)s"},
    },
}
