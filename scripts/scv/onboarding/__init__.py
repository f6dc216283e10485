"""onboarding"""
