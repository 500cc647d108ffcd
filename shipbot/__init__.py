"""shipbot: discounted US shipping labels in a Telegram bot."""
