{
  description = "Inputs shared by partitions.";
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  outputs = _: { };
}
