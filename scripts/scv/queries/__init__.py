"""The client in the loop: queries mailed to the client, reminders, and their answers recorded."""
