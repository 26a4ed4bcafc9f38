"""Pure domain models: importing them opens no connection and loads no model."""
