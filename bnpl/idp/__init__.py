"""The dev identity provider: a local Cognito user pool.

It answers Cognito's user-pool API (sign-up and confirmation, SRP and password sign-in, refresh,
revocation and sign-out, the user's own attributes and password, password reset) on `POST /`, so
Amplify Auth, the AWS SDKs and pycognito run against it unchanged with the pool's endpoint set to
its URL. Its tokens carry exactly the claims Amazon Cognito writes, signed RS256 with a `kid`
header, and the keys are published as a JWKS at Cognito's path, so the verification code that
runs against the real user pool in AWS runs unchanged against this one. The private key lives in
the project's data folder and is created on first use; `bnpl token` and the running provider
share it. Users live in DynamoDB (the `dev_user_pool` table), which keeps SRP verifiers, never
passwords; the sandbox personas are seeded as users when the provider starts.

Modules, by role:

- `app`: the HTTP app (`uvicorn --factory bnpl.idp.app:create_app`); `cognito_api` the user-pool
  API's endpoint and its operations table; `cors` its CORS policy; `wire` reading requests.
- `pool`: the pool's rules and app clients (Terraform's); `users` a user and its attributes.
- `srp`: the SRP-6a arithmetic; `sign_in` InitiateAuth and RespondToAuthChallenge with lockout;
  `sessions` tokens, refresh, revocation and access-token checks; `accounts` sign-up and
  password recovery; `profile` a signed-in user's own operations; `codes` one-time codes.
- `provider` what the operations share; `store` and `models` DynamoDB; `sealing` the opaque
  SECRET_BLOCKs and refresh tokens; `throttle` request-rate quotas; `seed` the personas.
- `keys` the signing key and its JWK; `tokens` the JWTs.
"""
