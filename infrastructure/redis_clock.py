"""The Redis server's clock, for the Lua scripts that compare moments across processes."""

SERVER_CLOCK = """
local clock = redis.call('TIME')
local now = clock[1] * 1000000 + clock[2]
"""
"""Sets `now`, the server's clock in microseconds: the mark of a read, a drop and a write (a
drop in the same microsecond as a read counts as after it)."""
