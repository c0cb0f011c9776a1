{ inputs, ... }:
{
  hosts.vault.modules = [ ../hosts/vault.nix ];
  hosts.gate = {
    modules = [ ../hosts/gate.nix ];
  };
}
