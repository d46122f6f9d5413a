"""The external channels of a delivery: email, SMS and Web Push. The in-app inbox is the delivery row itself."""
