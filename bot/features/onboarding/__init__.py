"""The onboarding feature."""
