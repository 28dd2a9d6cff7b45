public enum ExpressionPlaceholder {}
