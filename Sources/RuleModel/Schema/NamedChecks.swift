public import Diagnostics

/// Checks a schema can name for a string field (`check: corporate_number`).
public enum NamedCheck: String, Sendable, CaseIterable {
    /// 法人番号: 13 digits, the first a check digit over the other twelve.
    case corporateNumber = "corporate_number"
    /// 全国地方公共団体コード: 5 digits plus a check digit.
    case cityCode = "city_code"
    /// One plain e-mail address (`name@example.jp`): no display name, no spaces, no line breaks.
    case email

    /// Nil when `text` passes, else why it does not.
    public func problem(with text: String) -> LocalizedText? {
        switch self {
        case .corporateNumber: NamedCheck.corporateNumberProblem(text)
        case .cityCode: NamedCheck.cityCodeProblem(text)
        case .email: NamedCheck.emailProblem(text)
        }
    }

    private static func digits(_ text: String) -> [Int]? {
        let scalars = Array(text.unicodeScalars)
        guard scalars.allSatisfy({ ("0"..."9").contains($0) }) else { return nil }
        return scalars.map { Int($0.value) - 48 }
    }

    /// The check digit of a corporate number's twelve base digits:
    /// 9 − (Σ Pₙ·Qₙ mod 9), Pₙ the n-th digit from the right, Qₙ 1 for odd n and 2 for even n.
    public static func corporateNumberCheckDigit(_ base: [Int]) -> Int {
        var sum = 0
        for (n, digit) in base.reversed().enumerated() { sum += digit * ((n + 1) % 2 == 1 ? 1 : 2) }
        return 9 - sum % 9
    }

    /// The check digit of a 5-digit local government code: (11 − Σ dₖ·(6,5,4,3,2) mod 11) mod 10.
    public static func cityCodeCheckDigit(_ base: [Int]) -> Int {
        let weights = [6, 5, 4, 3, 2]
        let sum = zip(base, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return (11 - sum % 11) % 10
    }

    private static func corporateNumberProblem(_ text: String) -> LocalizedText? {
        guard let digits = digits(text), digits.count == 13 else {
            return LocalizedText(
                "a corporate number has 13 digits, found '\(text)'", ja: "法人番号は13桁の数字です ('\(text)')")
        }
        let expected = corporateNumberCheckDigit(Array(digits.dropFirst()))
        guard digits[0] == expected else {
            return LocalizedText(
                "corporate number '\(text)' has a wrong check digit: the first digit should be \(expected)",
                ja: "法人番号 '\(text)' のチェックデジットが正しくありません (先頭は \(expected) のはずです)")
        }
        return nil
    }

    private static func cityCodeProblem(_ text: String) -> LocalizedText? {
        guard let digits = digits(text), digits.count == 6 else {
            return LocalizedText(
                "a local government code has 6 digits, found '\(text)'", ja: "地方公共団体コードは6桁の数字です ('\(text)')")
        }
        let expected = cityCodeCheckDigit(Array(digits.prefix(5)))
        guard digits[5] == expected else {
            return LocalizedText(
                "local government code '\(text)' has a wrong check digit: the last digit should be \(expected)",
                ja: "地方公共団体コード '\(text)' のチェックデジットが正しくありません (末尾は \(expected) のはずです)")
        }
        return nil
    }

    private static func emailProblem(_ text: String) -> LocalizedText? {
        let invalid = LocalizedText(
            "'\(text.debugDescription.dropFirst().dropLast())' is not a plain e-mail address like name@example.jp",
            ja: "'\(text.debugDescription.dropFirst().dropLast())' は name@example.jp のようなメールアドレスではありません")
        if text.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0.value < 0x20 || $0.value == 0x7F }) {
            return LocalizedText(
                "e-mail address contains a line break or control character",
                ja: "メールアドレスに改行または制御文字が含まれています")
        }
        guard text.count <= 254, text.unicodeScalars.allSatisfy(\.isASCII) else { return invalid }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last, !local.isEmpty, local.count <= 64 else {
            return invalid
        }
        let localAllowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-.".unicodeScalars)
        guard local.unicodeScalars.allSatisfy(localAllowed.contains), !local.hasPrefix("."), !local.hasSuffix("."),
            !local.contains("..")
        else { return invalid }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return invalid }
        for label in labels {
            guard !label.isEmpty, label.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-"),
                label.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" })
            else { return invalid }
        }
        // A top-level domain is never all digits (`name@10.0.0.1` is an address literal, not a host).
        if labels.last!.allSatisfy(\.isNumber) { return invalid }
        return nil
    }
}
