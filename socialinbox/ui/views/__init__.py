"""Views, delegates and panes."""
