"""Channel gateways: one interface (gateway.ChannelGateway), one adapter per channel."""
