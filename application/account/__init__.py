"""The signed-in account: me, profile, trail, export, deletion."""
