"""Baseline 1 (for information): a bare Flask route returning a fixed TwiML string."""

from flask import Flask, Response

app = Flask(__name__)
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="cmn-CN">您好</Say></Response>'


@app.post("/voice/incoming")
@app.post("/sms/incoming")
def fixed():
    return Response(TWIML, mimetype="text/xml")
