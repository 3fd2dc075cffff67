"""An OpenID Connect provider for one test, served on 127.0.0.1 from a thread.

It speaks just enough of the authorization code flow for allauth's openid_connect provider:
discovery, /authorize (no login page: it answers at once with a code for the one user it
knows), /token (checks the code, the client's credentials and redirect_uri, and returns an
access token and an RS256 id_token), /jwks and /userinfo. Everything it refuses is answered
with the error the spec names, so a broken flow fails the test at the step that broke.
"""

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


def new_signing_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def sign_id_token(claims, private_key, kid):
    """An RS256 id_token: what a provider's token endpoint returns beside the access token."""
    return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": kid})


class FakeOpenIDProvider:
    """Use as a context manager: the server runs inside the `with` block.

    `user` holds the claims of the one account the provider knows (sub, email, names).
    `requests` records each request's method and path, for tests that check who was asked.
    """

    kid = "liaison-tests-1"

    def __init__(self, *, client_id, client_secret, user):
        self.client_id = client_id
        self.client_secret = client_secret
        self.user = user
        self.private_key = new_signing_key()
        self.requests = []
        self._codes = {}
        self._access_tokens = set()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        # A short poll so that shutdown() at the end of the test returns at once.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def issuer(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    # The endpoints. Each returns (status, headers, body).

    def discovery(self, query, headers, form):
        return self._json(
            200,
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_post"],
                "scopes_supported": ["openid", "profile", "email"],
            },
        )

    def authorize(self, query, headers, form):
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id or not redirect_uri:
            return self._json(400, {"error": "invalid_request"})
        if query.get("response_type") != "code":
            return self._redirect(
                redirect_uri, error="unsupported_response_type", **self._state(query)
            )
        if "openid" not in query.get("scope", "").split():
            return self._redirect(redirect_uri, error="invalid_scope", **self._state(query))
        code = secrets.token_urlsafe(16)
        self._codes[code] = {"redirect_uri": redirect_uri, "nonce": query.get("nonce")}
        return self._redirect(redirect_uri, code=code, **self._state(query))

    def token(self, query, headers, form):
        # Discovery offers client_secret_post only: the credentials come in the form.
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return self._json(401, {"error": "invalid_client"})
        if form.get("grant_type") != "authorization_code":
            return self._json(400, {"error": "unsupported_grant_type"})
        grant = self._codes.pop(form.get("code", ""), None)  # a code is good once
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            return self._json(400, {"error": "invalid_grant"})
        access_token = secrets.token_urlsafe(24)
        self._access_tokens.add(access_token)
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "jti": secrets.token_hex(8),
            **self.user,
        }
        if grant["nonce"]:
            claims["nonce"] = grant["nonce"]
        return self._json(
            200,
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 3600,
                "id_token": sign_id_token(claims, self.private_key, self.kid),
            },
        )

    def jwks(self, query, headers, form):
        key = jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return self._json(200, {"keys": [{**key, "kid": self.kid, "alg": "RS256", "use": "sig"}]})

    def userinfo(self, query, headers, form):
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or token not in self._access_tokens:
            return self._json(401, {"error": "invalid_token"})
        return self._json(200, self.user)

    # Plumbing

    def _handler_class(self):
        provider = self
        routes = {
            ("GET", "/.well-known/openid-configuration"): provider.discovery,
            ("GET", "/authorize"): provider.authorize,
            ("POST", "/token"): provider.token,
            ("GET", "/jwks"): provider.jwks,
            ("GET", "/userinfo"): provider.userinfo,
        }

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

            def _answer(self, method):
                url = urlsplit(self.path)
                provider.requests.append((method, url.path))
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                endpoint = routes.get((method, url.path))
                if endpoint is None:
                    status, headers, content = provider._json(404, {"error": "not_found"})
                else:
                    status, headers, content = endpoint(
                        _single(parse_qs(url.query)), self.headers, _single(parse_qs(body))
                    )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, format, *args):
                pass  # the test's output is for the test; requests are in provider.requests

        return Handler

    @staticmethod
    def _json(status, data):
        return status, {"Content-Type": "application/json"}, json.dumps(data).encode()

    @staticmethod
    def _redirect(redirect_uri, **params):
        separator = "&" if "?" in redirect_uri else "?"
        return 302, {"Location": f"{redirect_uri}{separator}{urlencode(params)}"}, b""

    @staticmethod
    def _state(query):
        return {"state": query["state"]} if "state" in query else {}


def _single(parsed_query):
    return {name: values[0] for name, values in parsed_query.items()}
