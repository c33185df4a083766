"""The administrator's page: accounts (create, disable, reset password, roles, home center)
and API tokens (create, revoke, last use), each change on the access audit."""
