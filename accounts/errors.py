class InvitationError(Exception):
    """An invitation link that cannot be used; `reason` says why, for a clear page."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
