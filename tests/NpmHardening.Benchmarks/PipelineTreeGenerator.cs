using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace NpmHardeningBench
{
    /// <summary>
    /// A tree of generated repositories for the publish-pipeline bench (issue 11): &lt;root&gt;/org-NN/repo-NNNN, each a
    /// repository (a .git folder) with a package.json, a README, a source file and the CI files of one platform, in
    /// the shares public projects show (GitHub Actions most, then GitLab, Azure Pipelines, CircleCI, Bitbucket,
    /// Jenkins). About a quarter publish to npm, in the ways real files do (npm publish with a token, trusted
    /// publishing, semantic-release, changesets, an npm run script, Npm@1, the Bitbucket pipe, withCredentials).
    /// Deterministic from the seed; compiled by Add-Type, so only what Windows PowerShell 5.1's compiler knows.
    /// </summary>
    public static class PipelineTreeGenerator
    {
        public sealed class Summary
        {
            public int Repositories;
            public int CiFiles;
            public int YmlFiles;
            public int PublishingRepositories;
            public int OtherFiles;
            public long Bytes;
            public Dictionary<string, int> ByPlatform = new Dictionary<string, int>();
        }

        private static readonly string[] GitHubNames = { "ci", "lint", "codeql", "docs", "stale", "labeler", "e2e", "coverage", "bench", "nightly" };

        public static Summary Generate(string root, int repositories, ulong seed)
        {
            var random = new Random(unchecked((int)(seed ^ (seed >> 32))));
            var summary = new Summary();
            Directory.CreateDirectory(root);
            for (int r = 0; r < repositories; r++)
            {
                var org = "org-" + (r / 100).ToString("D2");
                var dir = Path.Combine(root, org, "repo-" + r.ToString("D4"));
                Directory.CreateDirectory(Path.Combine(dir, ".git"));
                Write(summary, Path.Combine(dir, ".git", "HEAD"), "ref: refs/heads/main\n", false);
                bool publishes = random.Next(100) < 25;
                if (publishes) summary.PublishingRepositories++;
                var name = "@org" + (r / 100).ToString("D2") + "/pkg-" + r.ToString("D4");
                Write(summary, Path.Combine(dir, "package.json"),
                    "{\n  \"name\": \"" + name + "\",\n  \"version\": \"1." + (r % 30) + ".0\",\n  \"scripts\": {\n    \"build\": \"tsc -p .\",\n    \"test\": \"vitest run\",\n    \"lint\": \"eslint .\",\n    \"release\": \"npm run build && npm publish --access public\"\n  }\n}\n", false);
                Write(summary, Path.Combine(dir, "README.md"), "# " + name + "\n\nA generated package for the publish-pipeline bench.\n", false);
                Directory.CreateDirectory(Path.Combine(dir, "src"));
                Write(summary, Path.Combine(dir, "src", "index.js"), "export const answer = " + r + ";\n", false);

                int platform = random.Next(100);
                if (platform < 55) GitHub(summary, dir, random, publishes);
                else if (platform < 67) GitLab(summary, dir, random, publishes);
                else if (platform < 77) Azure(summary, dir, random, publishes);
                else if (platform < 87) Circle(summary, dir, random, publishes);
                else if (platform < 95) Bitbucket(summary, dir, random, publishes);
                else Jenkins(summary, dir, random, publishes);
                summary.Repositories++;
            }
            return summary;
        }

        private static void Count(Summary s, string platform, int files)
        {
            int n;
            s.ByPlatform.TryGetValue(platform, out n);
            s.ByPlatform[platform] = n + files;
        }

        private static void Write(Summary s, string path, string text, bool ci)
        {
            File.WriteAllText(path, text, new UTF8Encoding(false));
            s.Bytes += Encoding.UTF8.GetByteCount(text);
            if (ci) { s.CiFiles++; if (path.EndsWith(".yml", StringComparison.Ordinal)) s.YmlFiles++; }
            else s.OtherFiles++;
        }

        private static string TestJob(int node)
        {
            return "  test:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        node: [20, 22, " + node + "]\n    steps:\n" +
                   "      - uses: actions/checkout@v4\n      - uses: actions/setup-node@v4\n        with:\n          node-version: ${{ matrix.node }}\n          cache: npm\n" +
                   "      - run: npm ci\n      - run: npm run lint\n      - run: npm test -- --coverage\n";
        }

        private static void GitHub(Summary s, string dir, Random random, bool publishes)
        {
            var workflows = Path.Combine(dir, ".github", "workflows");
            Directory.CreateDirectory(workflows);
            int count = 4 + random.Next(5); // 4..8 workflows
            for (int i = 0; i < count; i++)
            {
                var name = GitHubNames[(i + random.Next(GitHubNames.Length)) % GitHubNames.Length] + (i == 0 ? "" : "-" + i);
                var text = "name: " + name + "\non:\n  push:\n    branches: [main]\n  pull_request:\n\npermissions:\n  contents: read\n\njobs:\n" + TestJob(24);
                Write(s, Path.Combine(workflows, name + ".yml"), text, true);
            }
            Count(s, "GitHub Actions", count);
            if (!publishes) return;
            string release;
            switch (random.Next(4))
            {
                case 0:
                    release = "name: release\non:\n  release:\n    types: [published]\n\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    environment: npm\n    permissions:\n      contents: read\n      id-token: write\n    steps:\n" +
                              "      - uses: actions/checkout@v4\n      - uses: actions/setup-node@v4\n        with:\n          node-version: 24\n          registry-url: https://registry.npmjs.org\n      - run: npm ci\n      - run: npm publish --provenance --access public\n";
                    break;
                case 1:
                    release = "name: release\non:\n  push:\n    tags: ['v*']\n\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/setup-node@v4\n        with:\n          node-version: 20\n          registry-url: https://registry.npmjs.org\n          cache: npm\n" +
                              "      - run: npm ci\n      - run: npm run build\n      - run: npm publish\n        env:\n          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}\n";
                    break;
                case 2:
                    release = "name: release\non:\n  push:\n    branches: [main]\n\npermissions:\n  contents: write\n  issues: write\n  id-token: write\n\njobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/setup-node@v4\n        with:\n          node-version: lts/*\n" +
                              "      - run: npm ci\n      - run: npx semantic-release\n        env:\n          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n          NPM_TOKEN: ${{ secrets.NPM_TOKEN }}\n";
                    break;
                default:
                    release = "name: release\non:\n  push:\n    branches: [main]\n\njobs:\n  release:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: write\n      pull-requests: write\n      id-token: write\n    steps:\n      - uses: actions/checkout@v4\n      - uses: pnpm/action-setup@v4\n      - run: pnpm install --frozen-lockfile\n" +
                              "      - uses: changesets/action@v1\n        with:\n          publish: pnpm run release\n        env:\n          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n";
                    break;
            }
            Write(s, Path.Combine(workflows, "release.yml"), release, true);
            Count(s, "GitHub Actions", 1);
        }

        private static void GitLab(Summary s, string dir, Random random, bool publishes)
        {
            Directory.CreateDirectory(Path.Combine(dir, "ci"));
            var main = "include:\n  - local: ci/test.yml\n\nstages: [test, release]\n\ndefault:\n  image: node:22\n\n";
            if (publishes)
                main += random.Next(2) == 0
                    ? "publish:\n  stage: release\n  rules:\n    - if: $CI_COMMIT_TAG\n  script:\n    - npm ci\n    - echo \"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\" > .npmrc\n    - npm publish\n"
                    : "publish:\n  stage: release\n  id_tokens:\n    NPM_ID_TOKEN:\n      aud: \"npm:registry.npmjs.org\"\n    SIGSTORE_ID_TOKEN:\n      aud: sigstore\n  rules:\n    - if: $CI_COMMIT_TAG\n      when: manual\n  script:\n    - npm install -g npm@latest\n    - npm ci\n    - npm publish\n";
            Write(s, Path.Combine(dir, ".gitlab-ci.yml"), main, true);
            Write(s, Path.Combine(dir, "ci", "test.yml"), "test:\n  stage: test\n  script:\n    - npm ci\n    - npm run lint\n    - npm test\n  cache:\n    paths: [node_modules/]\n", true);
            Count(s, "GitLab CI", 2);
        }

        private static void Azure(Summary s, string dir, Random random, bool publishes)
        {
            Directory.CreateDirectory(Path.Combine(dir, ".azure-pipelines"));
            var main = "trigger:\n  branches:\n    include: [main]\n  tags:\n    include: ['v*']\n\npool:\n  vmImage: ubuntu-latest\n\nsteps:\n  - template: .azure-pipelines/build.yml\n";
            if (publishes)
                main += random.Next(2) == 0
                    ? "  - task: Npm@1\n    displayName: Publish\n    condition: startsWith(variables['Build.SourceBranch'], 'refs/tags/')\n    inputs:\n      command: publish\n      publishRegistry: useExternalRegistry\n      publishEndpoint: npmjs\n"
                    : "  - script: |\n      echo \"//registry.npmjs.org/:_authToken=$(NPM_TOKEN)\" > .npmrc\n      npm publish\n    displayName: Publish\n";
            Write(s, Path.Combine(dir, "azure-pipelines.yml"), main, true);
            Write(s, Path.Combine(dir, ".azure-pipelines", "build.yml"), "steps:\n  - task: NodeTool@0\n    inputs:\n      versionSpec: '22.x'\n  - script: npm ci\n  - script: npm run build\n  - script: npm test\n", true);
            Count(s, "Azure Pipelines", 2);
        }

        private static void Circle(Summary s, string dir, Random random, bool publishes)
        {
            Directory.CreateDirectory(Path.Combine(dir, ".circleci"));
            var text = "version: 2.1\n\nexecutors:\n  node:\n    docker:\n      - image: cimg/node:22.11\n\njobs:\n  test:\n    executor: node\n    steps:\n      - checkout\n      - run: npm ci\n      - run: npm test\n";
            if (publishes)
                text += "  publish:\n    executor: node\n    steps:\n      - checkout\n      - run: npm ci\n      - run: echo \"//registry.npmjs.org/:_authToken=$NPM_TOKEN\" > ~/.npmrc\n      - run: npm publish\n";
            text += "\nworkflows:\n  main:\n    jobs:\n      - test\n";
            if (publishes) text += "      - hold:\n          type: approval\n          requires: [test]\n      - publish:\n          requires: [hold]\n          context: npm\n          filters:\n            branches:\n              only: main\n";
            Write(s, Path.Combine(dir, ".circleci", "config.yml"), text, true);
            Count(s, "CircleCI", 1);
        }

        private static void Bitbucket(Summary s, string dir, Random random, bool publishes)
        {
            var text = "image: node:22\n\npipelines:\n  default:\n    - step:\n        name: Test\n        caches: [node]\n        script:\n          - npm ci\n          - npm test\n";
            if (publishes)
                text += "  tags:\n    'v*':\n      - step:\n          name: Publish\n          deployment: production\n          trigger: manual\n          script:\n            - pipe: atlassian/npm-publish:0.3.2\n              variables:\n                NPM_TOKEN: $NPM_TOKEN\n";
            Write(s, Path.Combine(dir, "bitbucket-pipelines.yml"), text, true);
            Count(s, "Bitbucket Pipelines", 1);
        }

        private static void Jenkins(Summary s, string dir, Random random, bool publishes)
        {
            var text = "pipeline {\n    agent { label 'node' }\n    stages {\n        stage('Test') {\n            steps {\n                sh 'npm ci'\n                sh 'npm test'\n            }\n        }\n";
            if (publishes)
                text += "        stage('Publish') {\n            when { buildingTag() }\n            steps {\n                input message: 'Publish to npm?'\n                withCredentials([string(credentialsId: 'npm-token', variable: 'NPM_TOKEN')]) {\n                    sh 'echo \"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\" > .npmrc'\n                    sh 'npm publish'\n                }\n            }\n        }\n";
            text += "    }\n}\n";
            Write(s, Path.Combine(dir, "Jenkinsfile"), text, true);
            Count(s, "Jenkins", 1);
        }
    }
}
