"""The external channels of a delivery: email and SMS. The in-app inbox is the delivery row itself."""
