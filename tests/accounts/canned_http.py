"""Answers for allauth's server-side HTTP calls to the named providers, without a network.

allauth makes every call through its social adapter's `get_requests_session()`. The session
handed out here is a real requests.Session (so parameters, authentication and JSON are
encoded as for the network) whose transport answers from a table of canned responses,
and fails the test on any address it was not given.
"""

import json

import requests
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from requests.adapters import BaseAdapter


class UnexpectedRequest(AssertionError):
    pass


class CannedTransport(BaseAdapter):
    def __init__(self, responses):
        super().__init__()
        # {(method, URL without its query): JSON body}
        self.responses = responses

    def send(self, request, **kwargs):
        address = (request.method, request.url.split("?", 1)[0])
        if address not in self.responses:
            raise UnexpectedRequest(f"no canned answer for {request.method} {request.url}")
        response = requests.Response()
        response.status_code = 200
        response.reason = "OK"
        response.headers["Content-Type"] = "application/json"
        response.encoding = "utf-8"
        response._content = json.dumps(self.responses[address]).encode()
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


def serve_canned_responses(monkeypatch, responses):
    """From now on in the test, allauth's provider calls are answered from `responses`."""
    transport = CannedTransport(responses)

    def session_with_canned_transport(adapter):
        session = requests.Session()
        session.mount("https://", transport)
        session.mount("http://", transport)
        return session

    monkeypatch.setattr(
        DefaultSocialAccountAdapter, "get_requests_session", session_with_canned_transport
    )
