namespace NpmHardening.Engine.Config
{
    /// <summary>
    /// The line grammar of npm's <c>ini</c> package (ini/lib/ini.js <c>decode</c>), reproduced without regex
    /// so JavaScript's character classes are exact:
    /// <code>
    /// skip:    !line || /^\s*[;#]/ || /^\s*$/
    /// section: /^\[([^\]]*)\]\s*$/
    /// setting: /^([^=]+)(=(.*))?$/     ('.' never matches \n \r \u2028 \u2029)
    /// </code>
    /// </summary>
    internal static class IniLineSyntax
    {
        public static NpmrcLineKind Classify(string line, out string? key, out string? rawValue, out string? section)
        {
            key = rawValue = section = null;
            if (line.Length == 0) return NpmrcLineKind.Blank;
            int i = 0;
            while (i < line.Length && Js.JsText.IsWhiteSpace(line[i])) i++;
            if (i == line.Length) return NpmrcLineKind.Blank;
            if (line[i] == ';' || line[i] == '#') return NpmrcLineKind.Comment;

            if (line[0] == '[')
            {
                int close = line.IndexOf(']', 1);
                if (close > 0)
                {
                    bool restIsSpace = true;
                    for (int j = close + 1; j < line.Length; j++)
                        if (!Js.JsText.IsWhiteSpace(line[j])) { restIsSpace = false; break; }
                    if (restIsSpace)
                    {
                        section = line.Substring(1, close - 1);
                        return NpmrcLineKind.Section;
                    }
                }
            }

            int eq = line.IndexOf('=');
            if (eq == 0) return NpmrcLineKind.Ignored;
            if (eq < 0)
            {
                key = line;
                return NpmrcLineKind.Setting;
            }
            for (int j = eq + 1; j < line.Length; j++)
                if (Js.JsText.IsLineTerminator(line[j])) return NpmrcLineKind.Ignored;
            key = line.Substring(0, eq);
            rawValue = line.Substring(eq + 1);
            return NpmrcLineKind.Setting;
        }
    }
}
