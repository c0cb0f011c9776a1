# A flake input served as a tarball by tests/gen_inputs.rs.
{
  outputs = { self, ... }: {
    lib = import ./lib { };
  };
}
