# error: integer-overflow
let intMin = -9223372036854775807 - 1; in intMin / -1
