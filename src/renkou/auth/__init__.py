"""Accounts, roles and sessions (账户、角色与会话) of the web application."""
