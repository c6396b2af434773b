"""PynamoDB models and repositories: the only code that knows DynamoDB."""
