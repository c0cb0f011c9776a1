{ secret = import ../outside.nix; }.secret
