public enum YAMLPlaceholder {}
