"""What several features use: the event and trail writer, the throttle, the code book, links and emails."""
