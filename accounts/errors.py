class InvitationError(Exception):
    """An invitation link that cannot be used; `reason` says why, for a clear page."""

    def __init__(self, reason: str, relationship=None):
        super().__init__(reason)
        self.reason = reason
        self.relationship = relationship  # for "used": the relationship it started
