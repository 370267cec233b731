"""The invoice domain: fabric's document model, money, instants, changes; no driver."""
