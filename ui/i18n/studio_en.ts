<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>AlertList</name>
    <message>
        <location filename="../wall/alerts.py" line="44"/>
        <source>（已恢复）</source>
        <translation> (recovered)</translation>
    </message>
</context>
<context>
    <name>CostreamDialog</name>
    <message>
        <location filename="../costream.py" line="77"/>
        <source>连麦</source>
        <translation>Co-stream</translation>
    </message>
    <message>
        <location filename="../costream.py" line="96"/>
        <source>邀请嘉宾</source>
        <translation>Invite a guest</translation>
    </message>
    <message>
        <location filename="../costream.py" line="99"/>
        <source>比如：东门店 小李</source>
        <translation>e.g. East store, Li</translation>
    </message>
    <message>
        <location filename="../costream.py" line="100"/>
        <source>邀请谁</source>
        <translation>Who it is for</translation>
    </message>
    <message>
        <location filename="../costream.py" line="105"/>
        <source>15 分钟</source>
        <translation>15 minutes</translation>
    </message>
    <message>
        <location filename="../costream.py" line="106"/>
        <source>1 小时</source>
        <translation>1 hour</translation>
    </message>
    <message>
        <location filename="../costream.py" line="107"/>
        <source>4 小时</source>
        <translation>4 hours</translation>
    </message>
    <message>
        <location filename="../costream.py" line="108"/>
        <source>24 小时</source>
        <translation>24 hours</translation>
    </message>
    <message>
        <location filename="../costream.py" line="116"/>
        <source>有效期</source>
        <translation>Valid for</translation>
    </message>
    <message>
        <location filename="../costream.py" line="120"/>
        <source>连麦邀请</source>
        <translation>Invite to co-stream</translation>
    </message>
    <message>
        <location filename="../costream.py" line="128"/>
        <source>按“连麦邀请”生成加入链接</source>
        <translation>Press “Invite to co-stream” to make a join link</translation>
    </message>
    <message>
        <location filename="../costream.py" line="129"/>
        <source>复制链接</source>
        <translation>Copy link</translation>
    </message>
    <message>
        <location filename="../costream.py" line="131"/>
        <source>撤销链接</source>
        <translation>Revoke link</translation>
    </message>
    <message>
        <location filename="../costream.py" line="138"/>
        <source>加入链接</source>
        <translation>Join link</translation>
    </message>
    <message>
        <location filename="../costream.py" line="171"/>
        <source>嘉宾</source>
        <translation>Guest</translation>
    </message>
    <message>
        <location filename="../costream.py" line="156"/>
        <source>布局</source>
        <translation>Layout</translation>
    </message>
    <message>
        <location filename="../costream.py" line="113"/>
        <source>可加入人数</source>
        <translation>Guests per link</translation>
    </message>
    <message>
        <location filename="../costream.py" line="153"/>
        <source>嘉宾名单</source>
        <translation>Guests</translation>
    </message>
    <message>
        <location filename="../costream.py" line="160"/>
        <source>并排</source>
        <translation>Side by side</translation>
    </message>
    <message>
        <location filename="../costream.py" line="161"/>
        <source>画中画</source>
        <translation>Picture-in-picture</translation>
    </message>
    <message>
        <location filename="../costream.py" line="162"/>
        <source>四宫格</source>
        <translation>Grid of four</translation>
    </message>
    <message>
        <location filename="../costream.py" line="171"/>
        <location filename="../costream.py" line="207"/>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../costream.py" line="171"/>
        <source>操作</source>
        <translation>Actions</translation>
    </message>
    <message>
        <location filename="../costream.py" line="180"/>
        <source>还没有嘉宾。把加入链接或二维码发给对方。</source>
        <translation>No guests yet. Send the join link or the QR code to your guest.</translation>
    </message>
    <message>
        <location filename="../costream.py" line="185"/>
        <source>加入别人的连麦</source>
        <translation>Join someone else&apos;s co-stream</translation>
    </message>
    <message>
        <location filename="../costream.py" line="189"/>
        <source>粘贴主播发来的连麦链接</source>
        <translation>Paste the co-stream link the host sent you</translation>
    </message>
    <message>
        <location filename="../costream.py" line="190"/>
        <source>连麦链接</source>
        <translation>Co-stream link</translation>
    </message>
    <message>
        <location filename="../costream.py" line="192"/>
        <source>你在对方画面上的名字</source>
        <translation>Your name on the host&apos;s picture</translation>
    </message>
    <message>
        <location filename="../costream.py" line="193"/>
        <source>我的名字</source>
        <translation>My name</translation>
    </message>
    <message>
        <location filename="../costream.py" line="194"/>
        <source>加入连麦</source>
        <translation>Join co-stream</translation>
    </message>
    <message>
        <location filename="../costream.py" line="197"/>
        <source>离开连麦</source>
        <translation>Leave co-stream</translation>
    </message>
    <message>
        <location filename="../costream.py" line="205"/>
        <location filename="../costream.py" line="401"/>
        <location filename="../costream.py" line="420"/>
        <source>未加入</source>
        <translation>Not joined</translation>
    </message>
    <message>
        <location filename="../costream.py" line="213"/>
        <source>连麦嘉宾</source>
        <translation>Co-stream guest</translation>
    </message>
    <message>
        <location filename="../costream.py" line="221"/>
        <source>无法生成连麦邀请</source>
        <translation>Cannot make the co-stream invite</translation>
    </message>
    <message>
        <location filename="../costream.py" line="235"/>
        <source>对方用手机或电脑浏览器打开链接，或在导购直播台里“加入连麦”。</source>
        <translation>Your guest opens the link in a phone or desktop browser, or uses “Join co-stream” in their Guide Studio.</translation>
    </message>
    <message>
        <location filename="../costream.py" line="240"/>
        <source>“{label}”：可加入 {uses} 人，{expires} 前有效。手机扫码即可加入。</source>
        <translation>“{label}”: {uses} guest(s), valid until {expires}. Scan with a phone to join.</translation>
    </message>
    <message>
        <location filename="../costream.py" line="250"/>
        <source>连麦链接已复制</source>
        <translation>Co-stream link copied</translation>
    </message>
    <message>
        <location filename="../costream.py" line="261"/>
        <source>无法撤销连麦链接</source>
        <translation>Cannot revoke the co-stream link</translation>
    </message>
    <message>
        <location filename="../costream.py" line="267"/>
        <source>链接已撤销：再用它加入会被拒绝。已在连麦的嘉宾不受影响。</source>
        <translation>Link revoked: joining with it is refused. Guests already in the co-stream stay.</translation>
    </message>
    <message>
        <location filename="../costream.py" line="275"/>
        <source>连麦已结束（换了场次或断开了后台）：需要时重新邀请。</source>
        <translation>Co-stream ended (another session, or the backend was left): invite again when needed.</translation>
    </message>
    <message>
        <location filename="../costream.py" line="287"/>
        <source>{name} 离开了连麦</source>
        <translation>{name} left the co-stream</translation>
    </message>
    <message>
        <location filename="../costream.py" line="308"/>
        <source>移除</source>
        <translation>Remove</translation>
    </message>
    <message>
        <location filename="../costream.py" line="324"/>
        <source>下麦</source>
        <translation>Take off air</translation>
    </message>
    <message>
        <location filename="../costream.py" line="324"/>
        <source>上麦</source>
        <translation>Put on air</translation>
    </message>
    <message>
        <location filename="../costream.py" line="325"/>
        <source>取消静音</source>
        <translation>Unmute</translation>
    </message>
    <message>
        <location filename="../costream.py" line="325"/>
        <source>静音</source>
        <translation>Mute</translation>
    </message>
    <message>
        <location filename="../costream.py" line="347"/>
        <source>画面正常</source>
        <translation>Picture OK</translation>
    </message>
    <message>
        <location filename="../costream.py" line="348"/>
        <source>连接中断，正在等待重连（观众看到占位画面）</source>
        <translation>Connection lost, waiting for the guest to rejoin (viewers see a placeholder)</translation>
    </message>
    <message>
        <location filename="../costream.py" line="349"/>
        <source>连接失败，正在等待重连</source>
        <translation>Connection failed, waiting for the guest to rejoin</translation>
    </message>
    <message>
        <location filename="../costream.py" line="350"/>
        <source>已断开</source>
        <translation>Disconnected</translation>
    </message>
    <message>
        <location filename="../costream.py" line="351"/>
        <source>正在连接…</source>
        <translation>Connecting…</translation>
    </message>
    <message>
        <location filename="../costream.py" line="353"/>
        <source>在直播画面上</source>
        <translation>on the program</translation>
    </message>
    <message>
        <location filename="../costream.py" line="353"/>
        <source>未上麦（观众看不到也听不到）</source>
        <translation>off air (viewers neither see nor hear them)</translation>
    </message>
    <message>
        <location filename="../costream.py" line="355"/>
        <source>已静音</source>
        <translation>muted</translation>
    </message>
    <message>
        <location filename="../costream.py" line="356"/>
        <source>，</source>
        <translation>, </translation>
    </message>
    <message>
        <location filename="../costream.py" line="369"/>
        <source>连麦操作没有完成</source>
        <translation>The co-stream action did not complete</translation>
    </message>
    <message>
        <location filename="../costream.py" line="377"/>
        <source>无法移除嘉宾</source>
        <translation>Cannot remove the guest</translation>
    </message>
    <message>
        <location filename="../costream.py" line="386"/>
        <source>无法切换布局</source>
        <translation>Cannot change the layout</translation>
    </message>
    <message>
        <location filename="../costream.py" line="392"/>
        <location filename="../costream.py" line="406"/>
        <source>无法加入连麦</source>
        <translation>Cannot join the co-stream</translation>
    </message>
    <message>
        <location filename="../costream.py" line="392"/>
        <source>请先粘贴主播发来的连麦链接。</source>
        <translation>Paste the co-stream link the host sent you first.</translation>
    </message>
    <message>
        <location filename="../costream.py" line="394"/>
        <source>正在加入…</source>
        <translation>Joining…</translation>
    </message>
    <message>
        <location filename="../costream.py" line="414"/>
        <source>主播已结束你的连麦</source>
        <translation>The host has ended your co-stream</translation>
    </message>
    <message>
        <location filename="../costream.py" line="418"/>
        <source>已加入：对方的画面在预览右上角（只有你看得到）</source>
        <translation>Joined: the host&apos;s picture is at the top right of the preview (only you see it)</translation>
    </message>
    <message>
        <location filename="../costream.py" line="442"/>
        <source>离开连麦时出错</source>
        <translation>Leaving the co-stream went wrong</translation>
    </message>
    <message>
        <location filename="../costream.py" line="462"/>
        <source>这个连麦链接已失效。</source>
        <translation>This co-stream link no longer works.</translation>
    </message>
    <message>
        <location filename="../costream.py" line="464"/>
        <source>请向主播要一个新的连麦邀请链接。</source>
        <translation> Ask the host for a new co-stream invite link.</translation>
    </message>
    <message>
        <location filename="../costream.py" line="466"/>
        <location filename="../costream.py" line="494"/>
        <source>对方没有应答。请确认主播的直播台开着，然后再试。</source>
        <translation>The host did not answer. Make sure the host&apos;s Guide Studio is open, then try again.</translation>
    </message>
    <message>
        <location filename="../costream.py" line="470"/>
        <source>连麦没有成功：</source>
        <translation>The co-stream did not work: </translation>
    </message>
    <message>
        <location filename="../costream.py" line="475"/>
        <source>这个连麦链接已过期。</source>
        <translation>This co-stream link has expired.</translation>
    </message>
    <message>
        <location filename="../costream.py" line="476"/>
        <source>这个连麦链接已被主播撤销。</source>
        <translation>The host has revoked this co-stream link.</translation>
    </message>
    <message>
        <location filename="../costream.py" line="477"/>
        <source>这个连麦链接的名额已用完。</source>
        <translation>This co-stream link has been used up.</translation>
    </message>
    <message>
        <location filename="../costream.py" line="478"/>
        <source>这场直播已经结束。</source>
        <translation>This live show has ended.</translation>
    </message>
    <message>
        <location filename="../costream.py" line="479"/>
        <source>主播已结束你的连麦。</source>
        <translation>The host has ended your co-stream.</translation>
    </message>
    <message>
        <location filename="../costream.py" line="485"/>
        <source>连麦人数已满（最多 3 位嘉宾）。请等一位嘉宾离开后再试。</source>
        <translation>The co-stream is full (at most 3 guests). Try again when a guest has left.</translation>
    </message>
    <message>
        <location filename="../costream.py" line="488"/>
        <source>连麦需要先连接后台（或打开演示模式）：按工具栏的“连接后台…”。</source>
        <translation>Co-streaming needs the backend (or demo mode): connect to the backend with “Connect backend…” in the toolbar.</translation>
    </message>
    <message>
        <location filename="../costream.py" line="492"/>
        <source>这不是连麦链接。请复制主播发来的完整链接（…/join/…）。</source>
        <translation>This is not a co-stream link. Copy the whole link the host sent (…/join/…).</translation>
    </message>
    <message>
        <location filename="../costream.py" line="495"/>
        <location filename="../costream.py" line="496"/>
        <source>连不上后台，请检查网络后再试。</source>
        <translation>Cannot reach the backend. Check the network and try again.</translation>
    </message>
    <message>
        <location filename="../costream.py" line="499"/>
        <source>你的直播间里还有连麦嘉宾：先移除他们，再加入别人的连麦。</source>
        <translation>Guests are on your co-stream: remove them before joining someone else&apos;s.</translation>
    </message>
    <message>
        <location filename="../costream.py" line="501"/>
        <source>你正在别人的连麦里：先离开，再邀请嘉宾。</source>
        <translation>You are in someone else&apos;s co-stream: leave it before inviting guests.</translation>
    </message>
    <message>
        <location filename="../costream.py" line="502"/>
        <source>这位嘉宾已经不在连麦里了。</source>
        <translation>This guest is no longer in the co-stream.</translation>
    </message>
</context>
<context>
    <name>CrashNotice</name>
    <message>
        <location filename="../crash.py" line="38"/>
        <source>约 {m} 分 {s} 秒</source>
        <translation>about {m} min {s} s</translation>
    </message>
    <message>
        <location filename="../crash.py" line="40"/>
        <source>至少 {m} 分 {s} 秒</source>
        <translation>at least {m} min {s} s</translation>
    </message>
    <message>
        <location filename="../crash.py" line="47"/>
        <source>那次彩排的录像在：</source>
        <translation>The recording of that rehearsal take is here:</translation>
    </message>
    <message>
        <location filename="../crash.py" line="49"/>
        <source>那场直播的录像在：</source>
        <translation>The recording of that show is here:</translation>
    </message>
    <message>
        <location filename="../crash.py" line="51"/>
        <source>录像可以正常播放（{duration}）。</source>
        <translation>It plays ({duration}).</translation>
    </message>
    <message>
        <location filename="../crash.py" line="54"/>
        <source>录像文件没有找到：</source>
        <translation>The recording was not found:</translation>
    </message>
    <message>
        <location filename="../crash.py" line="56"/>
        <source>但这个录像无法播放（{reason}）。</source>
        <translation>But this recording does not play ({reason}).</translation>
    </message>
    <message>
        <location filename="../crash.py" line="63"/>
        <source>导购直播台上次没有正常关闭（{time}）。</source>
        <translation>Guide Studio did not close properly last time ({time}).</translation>
    </message>
    <message>
        <location filename="../crash.py" line="69"/>
        <source>原因：{summary}</source>
        <translation>Cause: {summary}</translation>
    </message>
    <message>
        <location filename="../crash.py" line="72"/>
        <source>关闭前最后一个错误：{summary}</source>
        <translation>The last error before it closed: {summary}</translation>
    </message>
    <message>
        <location filename="../crash.py" line="77"/>
        <source>当时没有在录像。</source>
        <translation>Nothing was being recorded then.</translation>
    </message>
    <message>
        <location filename="../crash.py" line="80"/>
        <location filename="../crash.py" line="109"/>
        <source>详细信息已写入：{path}</source>
        <translation>Details are in: {path}</translation>
    </message>
    <message>
        <location filename="../crash.py" line="102"/>
        <source>出了一个意外错误：</source>
        <translation>An unexpected error happened:</translation>
    </message>
    <message>
        <location filename="../crash.py" line="104"/>
        <source>导购直播台还在运行。如果画面、推流或录像不正常，请结束直播后重新打开。</source>
        <translation>Guide Studio is still running. If the picture, the stream or the recording look wrong, end the show and open Guide Studio again.</translation>
    </message>
    <message>
        <location filename="../crash.py" line="115"/>
        <source>导购直播台出错了</source>
        <translation>Guide Studio hit an error</translation>
    </message>
    <message>
        <location filename="../crash.py" line="141"/>
        <source>导购直播台上次意外关闭</source>
        <translation>Guide Studio closed unexpectedly</translation>
    </message>
    <message>
        <location filename="../crash.py" line="149"/>
        <source>打开录像文件夹</source>
        <translation>Open the recording folder</translation>
    </message>
</context>
<context>
    <name>DestinationDialog</name>
    <message>
        <location filename="../destinations.py" line="76"/>
        <source>其他平台（自己填写）</source>
        <translation>Other platform (fill in yourself)</translation>
    </message>
    <message>
        <location filename="../destinations.py" line="103"/>
        <source>平台</source>
        <translation>Platform</translation>
    </message>
    <message>
        <location filename="../destinations.py" line="142"/>
        <source>填写平台给的推流地址（rtmp:// 或 rtmps://）和推流密钥。</source>
        <translation>Fill in the push address the platform gives you (rtmp:// or rtmps://) and the stream key.</translation>
    </message>
    <message>
        <location filename="../destinations.py" line="147"/>
        <source>粘贴平台给的推流地址</source>
        <translation>Paste the push address the platform gives you</translation>
    </message>
    <message>
        <location filename="../destinations.py" line="169"/>
        <source>%1 只接受 %2:// 开头的地址</source>
        <translation>%1 takes only addresses starting with %2://</translation>
    </message>
    <message>
        <location filename="../destinations.py" line="73"/>
        <source>推流平台</source>
        <translation>Platforms</translation>
    </message>
    <message>
        <location filename="../destinations.py" line="84"/>
        <source>例如：视频号</source>
        <translation>e.g. WeChat Channels</translation>
    </message>
    <message>
        <location filename="../destinations.py" line="91"/>
        <source>已保存（留空则不变）</source>
        <translation>Saved (leave empty to keep)</translation>
    </message>
    <message>
        <location filename="../destinations.py" line="91"/>
        <location filename="../destinations.py" line="106"/>
        <source>推流密钥</source>
        <translation>Stream key</translation>
    </message>
    <message>
        <location filename="../destinations.py" line="93"/>
        <source>显示密钥</source>
        <translation>Show key</translation>
    </message>
    <message>
        <location filename="../destinations.py" line="104"/>
        <source>名称</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../destinations.py" line="105"/>
        <source>服务器</source>
        <translation>Server</translation>
    </message>
    <message>
        <location filename="../destinations.py" line="152"/>
        <source>请填写名称</source>
        <translation>Please enter a name</translation>
    </message>
    <message>
        <location filename="../destinations.py" line="159"/>
        <source>服务器地址应以 rtmp:// 开头，例如 rtmp://push.example.com/live</source>
        <translation>The server address starts with rtmp://, e.g. rtmp://push.example.com/live</translation>
    </message>
    <message>
        <location filename="../destinations.py" line="161"/>
        <source>端口号不正确</source>
        <translation>The port number is wrong</translation>
    </message>
    <message>
        <location filename="../destinations.py" line="162"/>
        <source>地址里缺少应用名，例如 …/live</source>
        <translation>The address lacks the app name, e.g. …/live</translation>
    </message>
</context>
<context>
    <name>FirstRunDialog</name>
    <message>
        <location filename="../first_run.py" line="25"/>
        <source>欢迎使用导购直播台</source>
        <translation>Welcome to Guide Studio</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="28"/>
        <source>登录门店后台开始直播；或先用演示模式熟悉一下（自带演示商品和模拟顾客）。</source>
        <translation>Sign in to your store&apos;s backend to go live, or try demo mode first (demo products and simulated shoppers).</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="38"/>
        <source>后台地址</source>
        <translation>Backend address</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="39"/>
        <source>账号</source>
        <translation>User</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="40"/>
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="41"/>
        <source>直播场次</source>
        <translation>Live session</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="44"/>
        <source>测试画面</source>
        <translation>Test pattern</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="47"/>
        <source>摄像头</source>
        <translation>Camera</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="48"/>
        <source>先试录 5 秒，确认画面和声音</source>
        <translation>Record a 5 s test first, to check picture and sound</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="50"/>
        <source>测量这台电脑，推荐画质（约 1 分钟）</source>
        <translation>Measure this PC and recommend quality (about 1 minute)</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="54"/>
        <source>登录</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="57"/>
        <source>演示模式</source>
        <translation>Demo mode</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="60"/>
        <source>以后再说</source>
        <translation>Later</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="87"/>
        <source>后台地址应以 http:// 或 https:// 开头</source>
        <translation>The backend address starts with http:// or https://</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="90"/>
        <source>请填写账号和密码</source>
        <translation>Please enter user and password</translation>
    </message>
</context>
<context>
    <name>FocusView</name>
    <message>
        <location filename="../wall/focus.py" line="39"/>
        <source>返回总览 (Esc)</source>
        <translation>Back to overview (Esc)</translation>
    </message>
    <message>
        <location filename="../wall/focus.py" line="51"/>
        <source>名次</source>
        <translation>Rank</translation>
    </message>
    <message>
        <location filename="../wall/focus.py" line="51"/>
        <source>导购</source>
        <translation>Guide</translation>
    </message>
    <message>
        <location filename="../wall/focus.py" line="51"/>
        <source>门店</source>
        <translation>Store</translation>
    </message>
    <message>
        <location filename="../wall/focus.py" line="51"/>
        <source>销售额</source>
        <translation>Sales</translation>
    </message>
    <message>
        <location filename="../wall/focus.py" line="57"/>
        <source>实时订单</source>
        <translation>Live orders</translation>
    </message>
    <message>
        <location filename="../wall/focus.py" line="60"/>
        <source>区域导购榜（今日）</source>
        <translation>Regional guide ranking (today)</translation>
    </message>
    <message>
        <location filename="../wall/focus.py" line="85"/>
        <source>商品</source>
        <translation>Product </translation>
    </message>
    <message>
        <location filename="../wall/focus.py" line="86"/>
        <source>（已退款）</source>
        <translation> (refunded)</translation>
    </message>
</context>
<context>
    <name>Folders</name>
    <message>
        <location filename="../folders.py" line="26"/>
        <source>彩排录像文件夹</source>
        <translation>Rehearsal folder</translation>
    </message>
    <message>
        <location filename="../folders.py" line="27"/>
        <source>录制文件夹</source>
        <translation>Recording folder</translation>
    </message>
    <message>
        <location filename="../folders.py" line="32"/>
        <source>请在“脚本”页点“选择…”换一个文件夹。</source>
        <translation>On the “Script” tab, click “Choose…” to pick another folder.</translation>
    </message>
    <message>
        <location filename="../folders.py" line="33"/>
        <source>请在“开播”页点“选择…”换一个文件夹。</source>
        <translation>On the “Go live” tab, click “Choose…” to pick another folder.</translation>
    </message>
    <message>
        <location filename="../folders.py" line="39"/>
        <source>路径中有一段是文件，不是文件夹</source>
        <translation>part of the path is a file, not a folder</translation>
    </message>
    <message>
        <location filename="../folders.py" line="40"/>
        <location filename="../folders.py" line="41"/>
        <source>没有权限</source>
        <translation>permission denied</translation>
    </message>
    <message>
        <location filename="../folders.py" line="42"/>
        <source>磁盘是只读的</source>
        <translation>the disk is read-only</translation>
    </message>
    <message>
        <location filename="../folders.py" line="43"/>
        <source>磁盘已满</source>
        <translation>the disk is full</translation>
    </message>
    <message>
        <location filename="../folders.py" line="44"/>
        <source>磁盘或上级文件夹不存在</source>
        <translation>the disk or a parent folder does not exist</translation>
    </message>
    <message>
        <location filename="../folders.py" line="53"/>
        <source>{setting}“{folder}”是一个文件，不是文件夹。</source>
        <translation>{setting} “{folder}” is a file, not a folder.</translation>
    </message>
    <message>
        <location filename="../folders.py" line="55"/>
        <source>{setting}“{folder}”不存在，也无法创建（{detail}）。</source>
        <translation>{setting} “{folder}” does not exist and cannot be created ({detail}).</translation>
    </message>
    <message>
        <location filename="../folders.py" line="59"/>
        <source>{setting}“{folder}”无法写入（{detail}）。</source>
        <translation>{setting} “{folder}” cannot be written to ({detail}).</translation>
    </message>
    <message>
        <location filename="../folders.py" line="72"/>
        <source>选择{setting}</source>
        <translation>Choose a folder — {setting}</translation>
    </message>
</context>
<context>
    <name>GoLivePanel</name>
    <message>
        <location filename="../golive.py" line="260"/>
        <source>仍要开播吗？</source>
        <translation>Go live anyway?</translation>
    </message>
    <message>
        <location filename="../golive.py" line="261"/>
        <source>上行带宽可能不够</source>
        <translation>The upload may not be enough</translation>
    </message>
    <message>
        <location filename="../golive.py" line="124"/>
        <source>添加平台</source>
        <translation>Add platform</translation>
    </message>
    <message>
        <location filename="../golive.py" line="125"/>
        <source>编辑</source>
        <translation>Edit</translation>
    </message>
    <message>
        <location filename="../golive.py" line="126"/>
        <source>删除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <location filename="../golive.py" line="131"/>
        <source>同时录制到本地</source>
        <translation>Also record locally</translation>
    </message>
    <message>
        <location filename="../golive.py" line="139"/>
        <source>选择…</source>
        <translation>Choose…</translation>
    </message>
    <message>
        <location filename="../golive.py" line="141"/>
        <source>选择录像保存到哪个文件夹</source>
        <translation>Choose the folder recordings are saved in</translation>
    </message>
    <message>
        <location filename="../golive.py" line="145"/>
        <location filename="../golive.py" line="364"/>
        <source>开始直播</source>
        <translation>Go Live</translation>
    </message>
    <message>
        <location filename="../golive.py" line="162"/>
        <source>输出</source>
        <translation>Output</translation>
    </message>
    <message>
        <location filename="../golive.py" line="162"/>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../golive.py" line="162"/>
        <source>码率</source>
        <translation>Bitrate</translation>
    </message>
    <message>
        <location filename="../golive.py" line="162"/>
        <source>丢帧</source>
        <translation>Dropped</translation>
    </message>
    <message>
        <location filename="../golive.py" line="162"/>
        <source>重连</source>
        <translation>Reconnects</translation>
    </message>
    <message>
        <location filename="../golive.py" line="170"/>
        <source>立即重连</source>
        <translation>Reconnect now</translation>
    </message>
    <message>
        <location filename="../golive.py" line="177"/>
        <source>推流平台</source>
        <translation>Platforms</translation>
    </message>
    <message>
        <location filename="../golive.py" line="183"/>
        <source>录制文件夹</source>
        <translation>Recording folder</translation>
    </message>
    <message>
        <location filename="../golive.py" line="188"/>
        <source>推流状态</source>
        <translation>Stream health</translation>
    </message>
    <message>
        <location filename="../golive.py" line="323"/>
        <location filename="../golive.py" line="364"/>
        <source>结束直播</source>
        <translation>End Show</translation>
    </message>
    <message>
        <location filename="../golive.py" line="323"/>
        <source>确定要结束直播吗？观众将看不到画面。</source>
        <translation>End the show? Viewers will stop seeing you.</translation>
    </message>
    <message>
        <location filename="../golive.py" line="385"/>
        <source>连接中</source>
        <translation>Connecting</translation>
    </message>
    <message>
        <location filename="../golive.py" line="386"/>
        <source>直播中</source>
        <translation>Live</translation>
    </message>
    <message>
        <location filename="../golive.py" line="387"/>
        <source>重连中</source>
        <translation>Reconnecting</translation>
    </message>
    <message>
        <location filename="../golive.py" line="388"/>
        <source>失败</source>
        <translation>Failed</translation>
    </message>
    <message>
        <location filename="../golive.py" line="389"/>
        <source>已停止</source>
        <translation>Stopped</translation>
    </message>
    <message>
        <location filename="../golive.py" line="390"/>
        <source>待机</source>
        <translation>Idle</translation>
    </message>
</context>
<context>
    <name>HourlyChart</name>
    <message>
        <location filename="../wall/chart.py" line="32"/>
        <source>每小时销售额</source>
        <translation>Sales per hour</translation>
    </message>
    <message>
        <location filename="../wall/chart.py" line="35"/>
        <source>暂无订单</source>
        <translation>No orders yet</translation>
    </message>
    <message>
        <location filename="../wall/chart.py" line="56"/>
        <source>%1单</source>
        <translation>%1 orders</translation>
    </message>
    <message>
        <location filename="../wall/chart.py" line="62"/>
        <source>峰值 </source>
        <translation>Peak </translation>
    </message>
</context>
<context>
    <name>Language</name>
    <message>
        <location filename="../bridge.py" line="22"/>
        <source>中文</source>
        <translation>English</translation>
    </message>
</context>
<context>
    <name>LanguageDialog</name>
    <message>
        <location filename="../language.py" line="36"/>
        <source>语言</source>
        <translation>Language</translation>
    </message>
    <message>
        <location filename="../language.py" line="40"/>
        <source>跟随系统</source>
        <translation>Follow the system</translation>
    </message>
    <message>
        <location filename="../language.py" line="45"/>
        <source>重新启动导购直播台后生效。</source>
        <translation>Takes effect when Guide Studio is started again.</translation>
    </message>
    <message>
        <location filename="../language.py" line="49"/>
        <source>界面语言（观众看到的画面仍是中文）</source>
        <translation>Window language (what viewers see stays Chinese)</translation>
    </message>
    <message>
        <location filename="../language.py" line="53"/>
        <source>现在由环境变量 STUDIO_LANG 决定，它优先于这里的选择。</source>
        <translation>The STUDIO_LANG environment variable decides now; it wins over this choice.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../main_window.py" line="180"/>
        <source>语言</source>
        <translation>Language</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="182"/>
        <source>界面语言，下次启动时生效</source>
        <translation>Window language, used from the next start</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="63"/>
        <source>导购直播台 Guide Studio</source>
        <translation>Guide Studio</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="89"/>
        <source>开播</source>
        <translation>Go live</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="90"/>
        <source>脚本</source>
        <translation>Script</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="92"/>
        <source>销售</source>
        <translation>Sales</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="107"/>
        <location filename="../main_window.py" line="404"/>
        <source>未开播</source>
        <translation>Not live</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="127"/>
        <source>画面</source>
        <translation>Picture</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="133"/>
        <source>测试画面</source>
        <translation>Test pattern</translation>
    </message>
    <message>
        <location filename="../first_run_flow.py" line="42"/>
        <location filename="../main_window.py" line="136"/>
        <location filename="../main_window.py" line="278"/>
        <source>摄像头：</source>
        <translation>Camera: </translation>
    </message>
    <message>
        <location filename="../main_window.py" line="142"/>
        <source>视频文件…</source>
        <translation>Video file…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="143"/>
        <source>远程流（连麦）…</source>
        <translation>Remote stream (co-host)…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="147"/>
        <source>画面自带声音</source>
        <translation>Source&apos;s own audio</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="152"/>
        <source>未发现麦克风</source>
        <translation>No microphone found</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="159"/>
        <source>音量</source>
        <translation>Level</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="164"/>
        <source> 画面来源 </source>
        <translation> Source </translation>
    </message>
    <message>
        <location filename="../main_window.py" line="166"/>
        <source>  声音 </source>
        <translation>  Audio </translation>
    </message>
    <message>
        <location filename="../main_window.py" line="172"/>
        <source>连接后台…</source>
        <translation>Connect backend…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="174"/>
        <source>连麦</source>
        <translation>Co-stream</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="177"/>
        <source>连麦邀请：请别的导购、品牌或顾客上麦；或加入别人的连麦</source>
        <translation>Co-stream: invite another guide, a brand or a customer onto your show, or join someone else&apos;s</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="206"/>
        <source>全屏</source>
        <translation>Full</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="207"/>
        <source>分屏</source>
        <translation>Split</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="208"/>
        <source>画中画</source>
        <translation>Picture in picture</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="214"/>
        <source> 场景 </source>
        <translation> Scene </translation>
    </message>
    <message>
        <location filename="../main_window.py" line="220"/>
        <source>字幕条</source>
        <translation>Lower third</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="224"/>
        <source>时钟</source>
        <translation>Clock</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="227"/>
        <source>排行榜</source>
        <translation>Leaderboard</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="237"/>
        <source>收起商品</source>
        <translation>Hide product</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="247"/>
        <source>画中画需要两个画面来源（比如摄像头加连麦），现在只有一个</source>
        <translation>Picture-in-picture needs two picture sources (e.g. a camera and a co-host stream); there is only one</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="257"/>
        <source>画中画需要两个画面来源</source>
        <translation>Picture-in-picture needs two picture sources</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="285"/>
        <source>选择视频文件</source>
        <translation>Choose a video file</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="285"/>
        <source>视频 (*.mp4 *.mkv *.mov *.flv)</source>
        <translation>Video (*.mp4 *.mkv *.mov *.flv)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="292"/>
        <source>远程流</source>
        <translation>Remote stream</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="292"/>
        <source>RTMP / FLV / HLS 地址</source>
        <translation>RTMP / FLV / HLS address</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="303"/>
        <source>无法打开画面来源</source>
        <translation>Cannot open the source</translation>
    </message>
    <message>
        <location filename="../script_flow.py" line="55"/>
        <source>空格</source>
        <translation>Space</translation>
    </message>
    <message>
        <location filename="../script_flow.py" line="78"/>
        <source>提示的快捷键已被占用：</source>
        <translation>This cue&apos;s key is already taken: </translation>
    </message>
    <message>
        <location filename="../script_flow.py" line="90"/>
        <location filename="../script_flow.py" line="101"/>
        <source>脚本还没有开始：先点“开始脚本”</source>
        <translation>The script has not started: press “Start script” first</translation>
    </message>
    <message>
        <location filename="../script_flow.py" line="97"/>
        <source>已执行提示：</source>
        <translation>Cue fired: </translation>
    </message>
    <message>
        <location filename="../script_flow.py" line="114"/>
        <source>已弹出购买链接：</source>
        <translation>Purchase link shown: </translation>
    </message>
    <message>
        <location filename="../script_flow.py" line="116"/>
        <source>已展示商品卡：</source>
        <translation>Product card shown: </translation>
    </message>
    <message>
        <location filename="../script_flow.py" line="123"/>
        <source>载入直播脚本</source>
        <translation>Load a show script</translation>
    </message>
    <message>
        <location filename="../script_flow.py" line="125"/>
        <source>直播脚本 (*.toml)</source>
        <translation>Show scripts (*.toml)</translation>
    </message>
    <message>
        <location filename="../script_flow.py" line="134"/>
        <source>脚本有错误</source>
        <translation>The script has errors</translation>
    </message>
    <message>
        <location filename="../script_flow.py" line="137"/>
        <source>无法载入脚本</source>
        <translation>Cannot load the script</translation>
    </message>
    <message>
        <location filename="../script_flow.py" line="148"/>
        <source>无法开始脚本</source>
        <translation>Cannot start the script</translation>
    </message>
    <message>
        <location filename="../rehearsal_flow.py" line="72"/>
        <source>直播中不能彩排。请先结束直播。</source>
        <translation>You cannot rehearse while live. End the live show first.</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="354"/>
        <source>请稍候，上一步还没有完成</source>
        <translation>Please wait: the previous step is still running</translation>
    </message>
    <message>
        <location filename="../rehearsal_flow.py" line="85"/>
        <source>正在开始彩排…</source>
        <translation>Starting the rehearsal…</translation>
    </message>
    <message>
        <location filename="../rehearsal_flow.py" line="108"/>
        <source>彩排结束，正在生成报告和片段…</source>
        <translation>Rehearsal over: writing the report and clips…</translation>
    </message>
    <message>
        <location filename="../rehearsal_flow.py" line="100"/>
        <source>无法开始彩排</source>
        <translation>Cannot start the rehearsal</translation>
    </message>
    <message>
        <location filename="../rehearsal_flow.py" line="92"/>
        <source>彩排中：不推流，订单都是模拟的</source>
        <translation>Rehearsing: nothing is streamed; every order is simulated</translation>
    </message>
    <message>
        <location filename="../rehearsal_flow.py" line="121"/>
        <source>彩排报告没有生成</source>
        <translation>The rehearsal report was not written</translation>
    </message>
    <message>
        <location filename="../rehearsal_flow.py" line="130"/>
        <source>彩排报告：</source>
        <translation>Rehearsal report: </translation>
    </message>
    <message>
        <location filename="../rehearsal_flow.py" line="138"/>
        <source>已断开后台</source>
        <translation>Disconnected from the backend</translation>
    </message>
    <message>
        <location filename="../rehearsal_flow.py" line="139"/>
        <source>彩排后没能回到正式场次，已断开后台，请重新连接：</source>
        <translation>After the rehearsal the studio could not rejoin the live session, so it disconnected. Please connect again: </translation>
    </message>
    <message>
        <location filename="../rehearsal_flow.py" line="154"/>
        <source>彩排预览地址</source>
        <translation>Rehearsal preview address</translation>
    </message>
    <message>
        <location filename="../rehearsal_flow.py" line="155"/>
        <source>彩排时也推到这个 RTMP 地址（留空则不推）：</source>
        <translation>During takes, also push to this RTMP address (leave empty for none):</translation>
    </message>
    <message>
        <location filename="../rehearsal_flow.py" line="163"/>
        <source>预览地址…</source>
        <translation>Preview address…</translation>
    </message>
    <message>
        <location filename="../rehearsal_flow.py" line="169"/>
        <source>预览地址不对</source>
        <translation>Preview address is wrong</translation>
    </message>
    <message>
        <location filename="../rehearsal_flow.py" line="173"/>
        <source>预览：</source>
        <translation>Preview: </translation>
    </message>
    <message>
        <location filename="../rehearsal_flow.py" line="178"/>
        <source>选择一次彩排的报告</source>
        <translation>Choose a rehearsal take report</translation>
    </message>
    <message>
        <location filename="../rehearsal_flow.py" line="180"/>
        <source>彩排报告 (report.json)</source>
        <translation>Rehearsal reports (report.json)</translation>
    </message>
    <message>
        <location filename="../rehearsal_flow.py" line="190"/>
        <source>无法打开彩排报告</source>
        <translation>Cannot open the rehearsal report</translation>
    </message>
    <message>
        <location filename="../script_flow.py" line="154"/>
        <source>脚本里没有下一条了</source>
        <translation>No cue left in the script</translation>
    </message>
    <message>
        <location filename="../rehearsal_flow.py" line="143"/>
        <source>未连接后台</source>
        <translation>Not connected</translation>
    </message>
    <message>
        <location filename="../first_run_flow.py" line="96"/>
        <source>无法连接后台</source>
        <translation>Cannot connect to the backend</translation>
    </message>
    <message>
        <location filename="../live_flow.py" line="54"/>
        <location filename="../live_flow.py" line="92"/>
        <source>无法开播</source>
        <translation>Cannot go live</translation>
    </message>
    <message>
        <location filename="../live_flow.py" line="55"/>
        <source>没有可推流的平台，也没有勾选录制。请勾选一个平台，或勾选“同时录制到本地”。</source>
        <translation>No platform to stream to and no recording ticked. Tick a platform, or tick “Also record locally”.</translation>
    </message>
    <message>
        <location filename="../first_run_flow.py" line="145"/>
        <source>试录没有完成</source>
        <translation>The test recording did not finish</translation>
    </message>
    <message>
        <location filename="../first_run_flow.py" line="164"/>
        <location filename="../live_flow.py" line="95"/>
        <location filename="../live_flow.py" line="115"/>
        <source>出错了</source>
        <translation>Something went wrong</translation>
    </message>
    <message>
        <location filename="../first_run_flow.py" line="108"/>
        <source>已连接后台，购买链接已备好：</source>
        <translation>Connected; purchase links ready: </translation>
    </message>
    <message>
        <location filename="../first_run_flow.py" line="137"/>
        <source>试录完成</source>
        <translation>Test recording done</translation>
    </message>
    <message>
        <location filename="../first_run_flow.py" line="138"/>
        <source>试录已保存，请打开看看画面和声音：</source>
        <translation>The test recording is saved; open it to check picture and sound:</translation>
    </message>
    <message>
        <location filename="../live_flow.py" line="86"/>
        <source>正在录制到：</source>
        <translation>Recording to: </translation>
    </message>
    <message>
        <location filename="../live_flow.py" line="108"/>
        <source>录像已保存：</source>
        <translation>Recording saved: </translation>
    </message>
    <message>
        <location filename="../first_run_flow.py" line="111"/>
        <source>后台没有响应，正在重试</source>
        <translation>The backend does not answer; retrying</translation>
    </message>
    <message>
        <location filename="../first_run_flow.py" line="113"/>
        <source>后台没有响应</source>
        <translation>The backend does not answer</translation>
    </message>
    <message>
        <location filename="../first_run_flow.py" line="159"/>
        <source>正在测量这台电脑…（约 1 分钟）</source>
        <translation>Measuring this PC… (about 1 minute)</translation>
    </message>
    <message>
        <location filename="../first_run_flow.py" line="172"/>
        <source>推荐：</source>
        <translation>Recommended: </translation>
    </message>
    <message>
        <location filename="../first_run_flow.py" line="176"/>
        <source>保存为默认画质？（下次启动生效）</source>
        <translation>Save as the default quality? (applies at the next start)</translation>
    </message>
    <message>
        <location filename="../first_run_flow.py" line="179"/>
        <source>画质推荐</source>
        <translation>Recommended quality</translation>
    </message>
    <message>
        <location filename="../first_run_flow.py" line="181"/>
        <source>画质已保存</source>
        <translation>Quality saved</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="392"/>
        <source>● 彩排中 </source>
        <translation>● Rehearsing </translation>
    </message>
    <message>
        <location filename="../main_window.py" line="394"/>
        <source>● 彩排中</source>
        <translation>● Rehearsing</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="400"/>
        <source>● 直播中 </source>
        <translation>● LIVE </translation>
    </message>
    <message>
        <location filename="../main_window.py" line="435"/>
        <source>正在彩排</source>
        <translation>Rehearsing</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="436"/>
        <source>正在彩排，关闭窗口将结束这次彩排（录像保留，不生成报告）。确定吗？</source>
        <translation>A rehearsal is running. Closing the window ends this take (the recording is kept, no report is written). Close anyway?</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="425"/>
        <location filename="../rehearsal_flow.py" line="71"/>
        <source>正在直播</source>
        <translation>Live now</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="425"/>
        <source>正在直播，关闭窗口将结束直播。确定吗？</source>
        <translation>You are live. Closing the window ends the show. Close anyway?</translation>
    </message>
</context>
<context>
    <name>OpenReport</name>
    <message>
        <location filename="../dialogs.py" line="93"/>
        <source>打不开报告</source>
        <translation>Cannot open the report</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="94"/>
        <source>这台电脑没能自动打开报告。报告在：</source>
        <translation>This computer could not open the report by itself. The report is at:</translation>
    </message>
    <message>
        <location filename="../dialogs.py" line="100"/>
        <source>请打开浏览器，把上面的路径粘贴到地址栏；或在文件管理器里双击这个文件。</source>
        <translation>Open a web browser and paste the path above into its address bar, or double-click the file in the file manager.</translation>
    </message>
</context>
<context>
    <name>PreviewWidget</name>
    <message>
        <location filename="../preview.py" line="106"/>
        <source>正在准备画面…</source>
        <translation>Preparing the picture…</translation>
    </message>
</context>
<context>
    <name>ProductShelf</name>
    <message>
        <location filename="../shelf.py" line="78"/>
        <source>搜索商品名称或货号</source>
        <translation>Search name or SKU</translation>
    </message>
    <message>
        <location filename="../shelf.py" line="176"/>
        <source>已售罄</source>
        <translation>Sold out</translation>
    </message>
    <message numerus="yes">
        <location filename="../shelf.py" line="178"/>
        <source>仅剩 %n 件</source>
        <translation>
            <numerusform>Only %n left</numerusform>
            <numerusform>Only %n left</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../shelf.py" line="180"/>
        <source>库存 %n</source>
        <translation>
            <numerusform>%n in stock</numerusform>
            <numerusform>%n in stock</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PushUrl</name>
    <message>
        <location filename="../destinations.py" line="49"/>
        <source>地址应以 rtmp:// 或 rtmps:// 开头，例如 rtmp://push.example.com/live/推流码</source>
        <translation>The address must start with rtmp:// or rtmps://, for example rtmp://push.example.com/live/KEY</translation>
    </message>
    <message>
        <location filename="../destinations.py" line="53"/>
        <source>地址里冒号后面的端口号不正确，例如 rtmp://push.example.com:1935/live/推流码</source>
        <translation>The port number after the colon is wrong, for example rtmp://push.example.com:1935/live/KEY</translation>
    </message>
    <message>
        <location filename="../destinations.py" line="57"/>
        <source>地址里要有应用名和推流码，例如 rtmp://push.example.com/live/推流码</source>
        <translation>The address needs an app name and a stream key, for example rtmp://push.example.com/live/KEY</translation>
    </message>
    <message>
        <location filename="../destinations.py" line="60"/>
        <source>请检查地址，格式是 rtmp://服务器/应用名/推流码</source>
        <translation>Check the address; its form is rtmp://server/app/KEY</translation>
    </message>
</context>
<context>
    <name>ReviewWindow</name>
    <message>
        <location filename="../review.py" line="276"/>
        <source>全屏</source>
        <translation>full screen</translation>
    </message>
    <message>
        <location filename="../review.py" line="276"/>
        <source>分屏</source>
        <translation>split screen</translation>
    </message>
    <message>
        <location filename="../review.py" line="276"/>
        <source>画中画</source>
        <translation>picture in picture</translation>
    </message>
    <message>
        <location filename="../review.py" line="263"/>
        <source>段落</source>
        <translation>Segment</translation>
    </message>
    <message>
        <location filename="../review.py" line="264"/>
        <source>讲解</source>
        <translation>Product</translation>
    </message>
    <message>
        <location filename="../review.py" line="265"/>
        <source>收起</source>
        <translation>Hidden</translation>
    </message>
    <message>
        <location filename="../review.py" line="266"/>
        <source>链接</source>
        <translation>Link</translation>
    </message>
    <message>
        <location filename="../review.py" line="267"/>
        <source>优惠券</source>
        <translation>Coupon</translation>
    </message>
    <message>
        <location filename="../review.py" line="268"/>
        <source>拼团</source>
        <translation>Group buy</translation>
    </message>
    <message>
        <location filename="../review.py" line="269"/>
        <source>抽奖</source>
        <translation>Lottery</translation>
    </message>
    <message>
        <location filename="../review.py" line="270"/>
        <source>字幕</source>
        <translation>Lower third</translation>
    </message>
    <message>
        <location filename="../review.py" line="271"/>
        <source>榜单</source>
        <translation>Leaderboard</translation>
    </message>
    <message>
        <location filename="../review.py" line="272"/>
        <source>切换</source>
        <translation>Scene</translation>
    </message>
    <message>
        <location filename="../review.py" line="273"/>
        <source>收起链接</source>
        <translation>Link hidden</translation>
    </message>
    <message>
        <location filename="../review.py" line="274"/>
        <source>商品卡</source>
        <translation>product card</translation>
    </message>
    <message>
        <location filename="../review.py" line="330"/>
        <source>节奏</source>
        <translation>Timing</translation>
    </message>
    <message>
        <location filename="../review.py" line="331"/>
        <source>商品讲解</source>
        <translation>Product knowledge</translation>
    </message>
    <message>
        <location filename="../review.py" line="332"/>
        <source>引导下单</source>
        <translation>Call to action</translation>
    </message>
    <message>
        <location filename="../review.py" line="333"/>
        <source>状态</source>
        <translation>Energy</translation>
    </message>
    <message>
        <location filename="../review.py" line="334"/>
        <source>互动</source>
        <translation>Interaction</translation>
    </message>
    <message>
        <location filename="../review.py" line="156"/>
        <source>彩排回看</source>
        <translation>Take review</translation>
    </message>
    <message numerus="yes">
        <location filename="../review.py" line="158"/>
        <source>第 %n 次</source>
        <translation>
            <numerusform>take %n</numerusform>
            <numerusform>take %n</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../review.py" line="188"/>
        <location filename="../review.py" line="428"/>
        <source>播放</source>
        <translation>Play</translation>
    </message>
    <message>
        <location filename="../review.py" line="191"/>
        <source>◀ 上一提示</source>
        <translation>◀ Previous cue</translation>
    </message>
    <message>
        <location filename="../review.py" line="194"/>
        <source>下一提示 ▶</source>
        <translation>Next cue ▶</translation>
    </message>
    <message>
        <location filename="../review.py" line="207"/>
        <source>提示准时 %1/%2 · 提前 %3 · 延迟 %4 · 漏掉 %5 · 冷场 %6 次 · 说话占比 %7%</source>
        <translation>Cues on time %1/%2 · early %3 · late %4 · missed %5 · dead air %6× · speaking %7%</translation>
    </message>
    <message numerus="yes">
        <location filename="../review.py" line="221"/>
        <source>第 %n 次彩排</source>
        <translation>
            <numerusform>take %n</numerusform>
            <numerusform>take %n</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../review.py" line="250"/>
        <source>找不到录像：</source>
        <translation>Recording not found: </translation>
    </message>
    <message>
        <location filename="../review.py" line="304"/>
        <source>在当前时间写一条点评，回车添加</source>
        <translation>A note at the current time; Enter adds it</translation>
    </message>
    <message>
        <location filename="../review.py" line="306"/>
        <source>加点评</source>
        <translation>Add note</translation>
    </message>
    <message>
        <location filename="../review.py" line="309"/>
        <source>删除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <location filename="../review.py" line="316"/>
        <source>点评（按时间）</source>
        <translation>Notes (by time)</translation>
    </message>
    <message>
        <location filename="../review.py" line="321"/>
        <source>评分（1–%1 分）</source>
        <translation>Scores (1–%1)</translation>
    </message>
    <message>
        <location filename="../review.py" line="325"/>
        <source>培训师姓名</source>
        <translation>Trainer name</translation>
    </message>
    <message>
        <location filename="../review.py" line="327"/>
        <source>点评人</source>
        <translation>Reviewer</translation>
    </message>
    <message>
        <location filename="../review.py" line="341"/>
        <source>未评</source>
        <translation>not scored</translation>
    </message>
    <message>
        <location filename="../review.py" line="348"/>
        <source>总分</source>
        <translation>Total</translation>
    </message>
    <message>
        <location filename="../review.py" line="351"/>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <location filename="../review.py" line="354"/>
        <source>导出报告…</source>
        <translation>Export report…</translation>
    </message>
    <message>
        <location filename="../review.py" line="357"/>
        <source>打开报告</source>
        <translation>Open report</translation>
    </message>
    <message>
        <location filename="../review.py" line="360"/>
        <location filename="../review.py" line="543"/>
        <source>与上一次对比</source>
        <translation>Compare with previous take</translation>
    </message>
    <message>
        <location filename="../review.py" line="370"/>
        <source>提示与段落（点击跳转）</source>
        <translation>Cues and segments (click to jump)</translation>
    </message>
    <message>
        <location filename="../review.py" line="428"/>
        <source>暂停</source>
        <translation>Pause</translation>
    </message>
    <message>
        <location filename="../review.py" line="432"/>
        <source>无法播放录像：</source>
        <translation>Cannot play the recording: </translation>
    </message>
    <message>
        <location filename="../review.py" line="482"/>
        <source>无法保存点评</source>
        <translation>Cannot save the review</translation>
    </message>
    <message>
        <location filename="../review.py" line="487"/>
        <source>点评已保存到报告</source>
        <translation>Review saved in the report</translation>
    </message>
    <message>
        <location filename="../review.py" line="498"/>
        <source>导出彩排报告</source>
        <translation>Export the rehearsal report</translation>
    </message>
    <message>
        <location filename="../review.py" line="498"/>
        <source>网页 (*.html)</source>
        <translation>Web page (*.html)</translation>
    </message>
    <message>
        <location filename="../review.py" line="508"/>
        <source>无法导出报告</source>
        <translation>Cannot export the report</translation>
    </message>
    <message>
        <location filename="../review.py" line="510"/>
        <source>报告已导出：</source>
        <translation>Report exported: </translation>
    </message>
    <message>
        <location filename="../review.py" line="536"/>
        <source>无法对比</source>
        <translation>Cannot compare</translation>
    </message>
    <message>
        <location filename="../review.py" line="539"/>
        <location filename="../review.py" line="540"/>
        <source>无</source>
        <translation>none</translation>
    </message>
    <message>
        <location filename="../review.py" line="544"/>
        <source>进步：</source>
        <translation>Improved: </translation>
    </message>
    <message>
        <location filename="../review.py" line="544"/>
        <source>退步：</source>
        <translation>Worse: </translation>
    </message>
    <message>
        <location filename="../review.py" line="548"/>
        <source>打开对比报告</source>
        <translation>Open the comparison</translation>
    </message>
    <message>
        <location filename="../review.py" line="576"/>
        <source>保存点评？</source>
        <translation>Save the review?</translation>
    </message>
    <message>
        <location filename="../review.py" line="577"/>
        <source>点评和评分还没有保存。保存到报告吗？</source>
        <translation>Notes and scores are not saved yet. Save them in the report?</translation>
    </message>
</context>
<context>
    <name>SalesPanel</name>
    <message>
        <location filename="../sales.py" line="129"/>
        <location filename="../sales.py" line="162"/>
        <source>未连接后台</source>
        <translation>Not connected</translation>
    </message>
    <message>
        <location filename="../sales.py" line="139"/>
        <source>本场成交额</source>
        <translation>Session GMV</translation>
    </message>
    <message>
        <location filename="../sales.py" line="140"/>
        <source>订单</source>
        <translation>Orders</translation>
    </message>
    <message>
        <location filename="../sales.py" line="141"/>
        <source>我的佣金</source>
        <translation>My commission</translation>
    </message>
    <message>
        <location filename="../sales.py" line="150"/>
        <source>实时订单</source>
        <translation>Live orders</translation>
    </message>
    <message>
        <location filename="../sales.py" line="209"/>
        <source>尾号 </source>
        <translation>phone …</translation>
    </message>
    <message>
        <location filename="../sales.py" line="198"/>
        <source>已连接：</source>
        <translation>Connected: </translation>
    </message>
    <message>
        <location filename="../sales.py" line="35"/>
        <location filename="../sales.py" line="39"/>
        <source>后台没有响应</source>
        <translation>the backend does not answer</translation>
    </message>
    <message>
        <location filename="../sales.py" line="36"/>
        <source>后台暂时不可用</source>
        <translation>the backend is unavailable for now</translation>
    </message>
    <message>
        <location filename="../sales.py" line="37"/>
        <source>后台拒绝了账号或密码</source>
        <translation>the backend refused the user name or password</translation>
    </message>
    <message>
        <location filename="../sales.py" line="38"/>
        <source>需要重新登录</source>
        <translation>sign in again</translation>
    </message>
    <message>
        <location filename="../sales.py" line="48"/>
        <source>后台 {url} 拒绝了登录：账号“{user}”或密码不对。</source>
        <translation>The backend {url} refused the login: the user name “{user}” or the password is wrong.</translation>
    </message>
    <message>
        <location filename="../sales.py" line="52"/>
        <location filename="../sales.py" line="58"/>
        <source>请点“连接后台…”，重新输入账号和密码。</source>
        <translation>Click “Connect backend…” and enter the user name and password again.</translation>
    </message>
    <message>
        <location filename="../sales.py" line="56"/>
        <source>后台 {url} 需要重新登录。</source>
        <translation>The backend {url} needs you to sign in again.</translation>
    </message>
    <message>
        <location filename="../sales.py" line="62"/>
        <source>后台 {url} 上没有直播场次 {session}。</source>
        <translation>The backend {url} has no live session {session}.</translation>
    </message>
    <message>
        <location filename="../sales.py" line="64"/>
        <source>请核对直播场次号（在门店后台的场次列表里）。</source>
        <translation>Check the live session number (in the store backend&apos;s list of sessions).</translation>
    </message>
    <message>
        <location filename="../sales.py" line="70"/>
        <source>后台 {url} 不允许账号“{user}”使用直播场次 {session}。</source>
        <translation>The backend {url} does not let “{user}” run live session {session}.</translation>
    </message>
    <message>
        <location filename="../sales.py" line="74"/>
        <source>请核对直播场次号，或用这个场次所属门店的导购账号登录。</source>
        <translation>Check the session number, or sign in as a guide of the store the session belongs to.</translation>
    </message>
    <message>
        <location filename="../sales.py" line="80"/>
        <source>直播场次 {session} 已经结束，它的购买链接已失效。</source>
        <translation>Live session {session} has ended; its purchase links no longer work.</translation>
    </message>
    <message>
        <location filename="../sales.py" line="84"/>
        <source>请点“连接后台…”，选择下一个直播场次。</source>
        <translation>Click “Connect backend…” and pick the next live session.</translation>
    </message>
    <message>
        <location filename="../sales.py" line="95"/>
        <source>后台 {url} 暂时不可用。</source>
        <translation>The backend {url} is unavailable for now.</translation>
    </message>
    <message>
        <location filename="../sales.py" line="98"/>
        <source>后台 {url} 没有响应。</source>
        <translation>The backend {url} does not answer.</translation>
    </message>
    <message>
        <location filename="../sales.py" line="100"/>
        <source>请检查后台地址是否写对、这台电脑能否上网，以及后台是否已经启动。</source>
        <translation>Check that the address is right, that this computer is online and that the backend is running.</translation>
    </message>
    <message>
        <location filename="../sales.py" line="104"/>
        <source>工作室会自动重试，账号和密码要等后台响应后才能验证。</source>
        <translation>The studio keeps trying; the user name and password can only be checked once the backend answers.</translation>
    </message>
    <message>
        <location filename="../sales.py" line="108"/>
        <source>已为这个后台备好的 {n} 个购买链接可以离线使用。</source>
        <translation>The {n} purchase links made ahead for this backend work offline.</translation>
    </message>
    <message>
        <location filename="../sales.py" line="112"/>
        <source>还没有这个后台的购买链接：在它响应之前，不会显示购买二维码。</source>
        <translation>No purchase links from this backend yet: no purchase QR code is shown until it answers.</translation>
    </message>
    <message>
        <location filename="../sales.py" line="157"/>
        <source>正在连接后台…</source>
        <translation>Connecting to the backend…</translation>
    </message>
    <message>
        <location filename="../sales.py" line="221"/>
        <source>（已退款）</source>
        <translation> (refunded)</translation>
    </message>
    <message>
        <location filename="../sales.py" line="232"/>
        <source>在线</source>
        <translation>Online</translation>
    </message>
    <message>
        <location filename="../sales.py" line="234"/>
        <source>离线</source>
        <translation>Offline</translation>
    </message>
    <message>
        <location filename="../sales.py" line="236"/>
        <source>连接中</source>
        <translation>Connecting</translation>
    </message>
    <message>
        <location filename="../sales.py" line="238"/>
        <source>待同步 </source>
        <translation>waiting </translation>
    </message>
    <message>
        <location filename="../sales.py" line="242"/>
        <source>上次同步 </source>
        <translation>last sync </translation>
    </message>
    <message>
        <location filename="../sales.py" line="257"/>
        <source>无法登录后台</source>
        <translation>Cannot sign in</translation>
    </message>
</context>
<context>
    <name>ShowRunner</name>
    <message>
        <location filename="../show_runner.py" line="52"/>
        <source>未载入脚本</source>
        <translation>No script loaded</translation>
    </message>
    <message>
        <location filename="../show_runner.py" line="55"/>
        <source>载入脚本…</source>
        <translation>Load script…</translation>
    </message>
    <message>
        <location filename="../show_runner.py" line="58"/>
        <location filename="../show_runner.py" line="156"/>
        <source>开始脚本</source>
        <translation>Start script</translation>
    </message>
    <message>
        <location filename="../show_runner.py" line="62"/>
        <source>下一条（空格）</source>
        <translation>Next (Space)</translation>
    </message>
    <message>
        <location filename="../show_runner.py" line="66"/>
        <location filename="../show_runner.py" line="161"/>
        <source>彩排</source>
        <translation>Rehearse</translation>
    </message>
    <message>
        <location filename="../show_runner.py" line="69"/>
        <source>按脚本完整走一遍并录下来，不推流，订单都是模拟的；结束后出彩排报告</source>
        <translation>Run the whole script and record it: nothing is streamed, every order is simulated; a take report follows</translation>
    </message>
    <message>
        <location filename="../show_runner.py" line="73"/>
        <source>回看彩排…</source>
        <translation>Review a take…</translation>
    </message>
    <message>
        <location filename="../show_runner.py" line="76"/>
        <source>预览地址…</source>
        <translation>Preview address…</translation>
    </message>
    <message>
        <location filename="../show_runner.py" line="79"/>
        <source>彩排时同时推到一个私有预览地址（比如给店长看），不会保存</source>
        <translation>During a take, also push to a private preview address (for the store manager, say); not saved</translation>
    </message>
    <message>
        <location filename="../show_runner.py" line="95"/>
        <source>双击一条提示立即执行</source>
        <translation>Double-click a cue to fire it now</translation>
    </message>
    <message>
        <location filename="../show_runner.py" line="108"/>
        <source>选择…</source>
        <translation>Choose…</translation>
    </message>
    <message>
        <location filename="../show_runner.py" line="110"/>
        <source>选择彩排录像保存到哪个文件夹</source>
        <translation>Choose the folder rehearsal takes are saved in</translation>
    </message>
    <message>
        <location filename="../show_runner.py" line="113"/>
        <source>彩排录像文件夹</source>
        <translation>Rehearsal folder</translation>
    </message>
    <message>
        <location filename="../show_runner.py" line="123"/>
        <source>提示列表</source>
        <translation>Cues</translation>
    </message>
    <message>
        <location filename="../show_runner.py" line="129"/>
        <source>下一条（%1）</source>
        <translation>Next (%1)</translation>
    </message>
    <message>
        <location filename="../show_runner.py" line="156"/>
        <source>重新开始</source>
        <translation>Restart</translation>
    </message>
    <message>
        <location filename="../show_runner.py" line="161"/>
        <source>结束彩排</source>
        <translation>End rehearsal</translation>
    </message>
    <message>
        <location filename="../show_runner.py" line="195"/>
        <source>准备开始</source>
        <translation>Ready to start</translation>
    </message>
    <message>
        <location filename="../show_runner.py" line="209"/>
        <source>脚本已结束</source>
        <translation>Script ended</translation>
    </message>
</context>
<context>
    <name>TileWidget</name>
    <message>
        <location filename="../wall/tile.py" line="86"/>
        <source>无画面</source>
        <translation>No picture</translation>
    </message>
    <message>
        <location filename="../wall/tile.py" line="87"/>
        <source>暂无信号</source>
        <translation>No signal</translation>
    </message>
    <message>
        <location filename="../wall/tile.py" line="87"/>
        <source>重连中…</source>
        <translation>Reconnecting…</translation>
    </message>
    <message>
        <location filename="../wall/tile.py" line="88"/>
        <source>连接中…</source>
        <translation>Connecting…</translation>
    </message>
    <message>
        <location filename="../wall/tile.py" line="94"/>
        <source>离线</source>
        <translation>Offline</translation>
    </message>
    <message>
        <location filename="../wall/tile.py" line="95"/>
        <source>重连中</source>
        <translation>Reconnecting</translation>
    </message>
    <message>
        <location filename="../wall/tile.py" line="96"/>
        <source>画面卡顿</source>
        <translation>Frozen</translation>
    </message>
    <message>
        <location filename="../wall/tile.py" line="97"/>
        <source>连接中</source>
        <translation>Connecting</translation>
    </message>
    <message>
        <location filename="../wall/tile.py" line="98"/>
        <source>未开播</source>
        <translation>Not live</translation>
    </message>
    <message>
        <location filename="../wall/tile.py" line="99"/>
        <source>直播中</source>
        <translation>Live</translation>
    </message>
    <message>
        <location filename="../wall/tile.py" line="150"/>
        <source>已播 </source>
        <translation>Live for </translation>
    </message>
    <message>
        <location filename="../wall/tile.py" line="151"/>
        <source>%1单</source>
        <translation>%1 orders</translation>
    </message>
    <message>
        <location filename="../wall/tile.py" line="153"/>
        <source>%1人在看</source>
        <translation>%1 watching</translation>
    </message>
</context>
<context>
    <name>WallWindow</name>
    <message>
        <location filename="../wall/window.py" line="83"/>
        <source>导购直播台 · 区域大屏</source>
        <translation>Guide Studio · Regional wall</translation>
    </message>
    <message>
        <location filename="../wall/window.py" line="119"/>
        <source>按销售额</source>
        <translation>By sales</translation>
    </message>
    <message>
        <location filename="../wall/window.py" line="120"/>
        <source>按异常</source>
        <translation>By trouble</translation>
    </message>
    <message>
        <location filename="../wall/window.py" line="121"/>
        <source>按店名</source>
        <translation>By name</translation>
    </message>
    <message>
        <location filename="../wall/window.py" line="127"/>
        <source>筛选门店或导购</source>
        <translation>Filter stores or guides</translation>
    </message>
    <message>
        <location filename="../wall/window.py" line="130"/>
        <source>只看异常</source>
        <translation>Trouble only</translation>
    </message>
    <message>
        <location filename="../wall/window.py" line="132"/>
        <source>上一页</source>
        <translation>Previous page</translation>
    </message>
    <message>
        <location filename="../wall/window.py" line="133"/>
        <source>下一页</source>
        <translation>Next page</translation>
    </message>
    <message>
        <location filename="../wall/window.py" line="139"/>
        <source>排序</source>
        <translation>Sort</translation>
    </message>
    <message>
        <location filename="../wall/window.py" line="171"/>
        <source>告警</source>
        <translation>Alerts</translation>
    </message>
    <message>
        <source>无法读取订单：</source>
        <translation type="vanished">Cannot read the orders: </translation>
    </message>
    <message>
        <location filename="../wall/window.py" line="400"/>
        <source>门店 %1 · 直播 %2 · 异常 %3 · </source>
        <translation>Stores %1 · live %2 · trouble %3 · </translation>
    </message>
    <message>
        <location filename="../wall/window.py" line="186"/>
        <source>后台拒绝登录：账号 %1 的密码不对。请检查 STUDIO_WALL_PASSWORD（或 --user），然后重新打开大屏。</source>
        <translation>The backend refused the sign-in: wrong password for %1. Check STUDIO_WALL_PASSWORD (or --user), then open the wall again.</translation>
    </message>
    <message>
        <location filename="../wall/window.py" line="189"/>
        <source>后台不再接受账号 %1 的登录（可能已过期）。请重新打开大屏再登录。</source>
        <translation>The backend no longer accepts the sign-in of %1 (it may have expired). Open the wall again to sign in.</translation>
    </message>
    <message>
        <location filename="../wall/window.py" line="191"/>
        <source>账号 %1 无权查看这个区域的大屏。请用本区域的区域经理账号（--user）登录，或用 --region 选择自己的区域。</source>
        <translation>%1 may not see this region&apos;s wall. Sign in as the region&apos;s manager (--user), or choose your own region with --region.</translation>
    </message>
    <message>
        <location filename="../wall/window.py" line="195"/>
        <source>后台没有账号 %1 可看的这个区域。请用 --region 指定一个存在的区域编号。</source>
        <translation>The backend has no such region for %1. Give the number of an existing region with --region.</translation>
    </message>
</context>
<context>
    <name>window</name>
    <message>
        <source>无法登录后台：</source>
        <translation type="vanished">Cannot sign in to the backend: </translation>
    </message>
</context>
</TS>
