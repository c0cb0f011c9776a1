# error: type-error
# An attribute name may not refer to a store path (Nix 2.8 rejects it too).
{ "${./attr-name-with-context.nix}" = 1; }
