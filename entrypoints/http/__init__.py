"""The HTTP API and the pages, one module per feature, named with the API's words:

signup     /api/v1/auth: signing up, the verification email again
address    /api/v1/auth: proving the address (link, code) and changing it, and their pages
sessions   /api/v1/auth: login (password, emailed code or link), refresh, logout, the session list
password   /api/v1/auth: a forgotten password reset (link, code), a known one changed, and their pages
account    /api/v1/auth/me: the caller's account, profile, deletion, trail and export
admin      /api/v1/users: administration of the accounts
mail       /api/v1/mail: bounces and suppressions; /api/v1/auth/send_mail
webhooks   /api/v1/webhooks: subscriptions to account events
keys       /.well-known/jwks.json and /api/v1/auth/introspect: trusting our tokens elsewhere
health, metrics, docs

What several features use: shared.py (bodies), pages.py (pages and forms), security.py (the caller),
answers.py and errors.py (the error answers). app.py mounts the routers and wires the container.
"""
