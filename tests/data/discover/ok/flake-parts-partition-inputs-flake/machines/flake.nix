{
  description = "Inputs of the machines partition.";
  inputs = {
    # No URL: flake.lock says it is nixpkgs.
    unstable = {
      type = "github";
      owner = "NixOS";
      repo = "nixpkgs";
      ref = "nixos-unstable";
    };
    pinned.follows = "unstable";
    tools.url = "github:example/tools";
  };
  outputs = _: { };
}
