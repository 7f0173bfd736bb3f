"""The dev identity provider: signs Cognito-shaped tokens and serves the keys that verify them.

Tokens carry exactly the claims Amazon Cognito writes, signed RS256 with a `kid` header, and the
keys are published as a JWKS at Cognito's path, so the verification code that runs against the
real user pool in AWS runs unchanged against this one. The private key lives in the project's data
folder and is created on first use; `bnpl token` and the running provider share it.

`keys` holds the signing key and its JWK, `tokens` mints the tokens, and `app` is the HTTP
provider (`uvicorn --factory bnpl.idp.app:create_app`).
"""
