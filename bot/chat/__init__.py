"""What every feature shares about Telegram.

The caller, signed buttons, the command table, menus, replies and the gate.
"""
