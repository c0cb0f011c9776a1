# Whether evaluating an unknown would succeed is unknown too (Nix gives
# `success = false` here when <foobaz> is not on NIX_PATH).
(builtins.tryEval <foobaz>).success
