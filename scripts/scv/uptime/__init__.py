"""uptime"""
