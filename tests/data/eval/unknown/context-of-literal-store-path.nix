# A store path written as a literal: Nix gives it no context, but atelier
# cannot tell it from a string whose context an operation that atelier does
# not track dropped, so whether it has context is unknown (never a guess).
builtins.hasContext "/nix/store/qjqcrhqkjmdgv3yqcgcd9fa7qi234hga-file.txt"
