"""Reference implementations the tests compare the build with: exact, slow, test-only
(owlrl and pyshacl are test dependencies, not runtime ones)."""
