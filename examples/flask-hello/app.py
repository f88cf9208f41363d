"""The demo app: a small Flask service. No Procfile: python-cnb infers the web process
(gunicorn --worker-tmp-dir /dev/shm app:app)."""
import platform

from flask import Flask, jsonify

app = Flask(__name__)


@app.route("/")
def index():
    return "Hello from python-cnb: Flask on Python {}\n".format(platform.python_version())


@app.route("/health")
def health():
    return jsonify(status="ok")
