"""Authentication: register, login, token rotation, invitations."""
