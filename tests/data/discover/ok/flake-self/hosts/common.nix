{ networking.domain = "example.org"; }
