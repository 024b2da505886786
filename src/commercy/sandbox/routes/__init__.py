"""HTTP endpoints: Digishare's ``/v1`` API, the sandbox's ``/_sandbox`` controls, the page."""
