"""Chinese: amounts group their thousands with a comma, as Chinese shops print them (¥1,298.00)."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
