package alipaytest

// Built-in, fixed RSA-2048 key pairs. They are TEST-ONLY: they were generated
// once for this package, they are public (they are in this source file), and
// they must never sign anything outside a test. They exist so that NewServer
// needs no key generation and starts in microseconds; Options.FreshKeys asks
// for newly generated keys instead.
//
// app*    — the merchant application's key pair: the client signs requests with
//
//	the private half, the server verifies them with the public half.
//
// alipay* — the gateway's key pair: the server signs responses with the private
//
//	half, clients verify them with the public half.
//
// other*  — an unrelated key, used by TamperOtherKey.
// root*   — the key of the test root CA that issues the certificates of
//
//	certificate mode (Options.CertMode).
const (
	// appPrivateKeyPEM is a TEST-ONLY RSA-2048 key (PKCS#1). Never use it outside tests.
	appPrivateKeyPEM = `-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAwUff0zSXk2hHSbF/alzPG9RhpKpsYfU/LgbmWIL9VNL7mmZK
gFWCRgLYq8qd1BSQzCIeZlySTqD/B1ZjPWKwKKb2qF1zzxFxU34dEquzkAwc8wJI
2Wcv37S4c1Q/gE7WWNelutciGzdOLu+A9We96ry2wwRqA8kTPI8JP5kZ+lzby6W/
FlnHfxqjlj1vp5APnyNk2IBpLShYylmdxYTQHP8x7lEfHz2dc2ojuq5qijsRJtj+
oltuPjeVvwrKzRHENAzMsVmePo+lN61VKUxRGEb+ne7blWqUkc0OJ+rVa+1DNSag
bqqWQdZmV7SI0UhiCWeo604ab8y49888GJSLcQIDAQABAoIBABdU7RLCoEKR3bsq
Y1psWi7+mAvn6732fDo66H8KTvj4oBk/HGK6D8gSS2QPiTZjBiiyPK+4IIw/2JFi
7wdnvKKnpxJjd5mpPiApUuqgUgSDRdJa9f7Sez+6weJgKus6+RqP66hulGYrKrO1
Q0C8lXs67SgFBiQvV3RhwujLu0xSx8HWfAh6u492Ws8IXZnLxvW2Uiu9LFByXr3O
8EvErUcDqLTAACa8irCCjMJrOEAIO4MwzkQm8k0inxvwsOjg3/+doLh0+2Pvz2br
bqCORX9k7+AvUb2nr/trf2QKXl+WdCc9UyukV5q91ECNEcxqoYIumxRWDGYMWasm
wFVz+U0CgYEA+Xdnj9+KcvP5HW56lfUtBT2tBOy6sFR7UQS5Cgx5S+YcRnuhqnfX
3yjm6d8IW1rvX+Ad09ktsrs1Ypmrb9fhctHvUZykmDv5ulZ4LZ10ou7d0ZqTpYDC
0Ek21raGlS4rLNzUAmNxOLFZzp4wIIdU1A848mI7fkz6QWiHnBNg3B0CgYEAxlfD
IJz/wRG29xmS/LQ6KbJLTPLW+cuKT6jnH9Sdn7aeEaBenCYA+MUpXU7rjYfEBJZE
bV+40Bj2beyQjcywuvyysX9z7iPP0i6wQS7cvBQveqeQUJNPiyqdbC3C0qaffu5b
GSu8gir0VljkFvR8Sjcs6q8O2UJOtd3qKiueRGUCgYEAsf3n/ldYyTwZ+k3hWS1d
ueePk3v0l+svMVdVTz4nLWg5tHBxoNdxRuBAIY3owIXZVWbq4USLvoKkTH2oPFyj
lvEC+A/zwErKm5EmniVCGx6jVfIcdnGwjjwuzHPfAoG2fIPzIOEi33hqw2lKnWrx
s3xI/WfpWuxBgnm6iDmrWmECgYAOuTsZ862kpmz/oN1hdvuOVtbyKmC9AFgPG8m0
ejMNRSAszMvZKZUO4ov0ikRAKGDruj/wIpf0krXQaSw96oEAEHwvYve3KN9nieG5
pQHr0E/J+iBjatwPx6UR/7+jpYzXflgy4SVIQGoM8uJTteh4Fep2rXIbvKldJNEa
OkywZQKBgESFJc7saTmlJQWTL9bFj17K6KOZwKELSeT3ZNAbLPVyNdT8dsmJJUXA
zGaLyPzw2R93XjGuBx8VH81QomG/QblHcrarXRe/3Y3gjriebhZ4g3QEvXqO1qmv
6paRlT3g0i98jRhLTryzF9AHFoqDuWzSkXOg48uFyrdkgTmdEjC2
-----END RSA PRIVATE KEY-----
`
	// appPublicKeyPEM is the PKIX public half of appPrivateKeyPEM.
	appPublicKeyPEM = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwUff0zSXk2hHSbF/alzP
G9RhpKpsYfU/LgbmWIL9VNL7mmZKgFWCRgLYq8qd1BSQzCIeZlySTqD/B1ZjPWKw
KKb2qF1zzxFxU34dEquzkAwc8wJI2Wcv37S4c1Q/gE7WWNelutciGzdOLu+A9We9
6ry2wwRqA8kTPI8JP5kZ+lzby6W/FlnHfxqjlj1vp5APnyNk2IBpLShYylmdxYTQ
HP8x7lEfHz2dc2ojuq5qijsRJtj+oltuPjeVvwrKzRHENAzMsVmePo+lN61VKUxR
GEb+ne7blWqUkc0OJ+rVa+1DNSagbqqWQdZmV7SI0UhiCWeo604ab8y49888GJSL
cQIDAQAB
-----END PUBLIC KEY-----
`

	// alipayPrivateKeyPEM is a TEST-ONLY RSA-2048 key (PKCS#1). Never use it outside tests.
	alipayPrivateKeyPEM = `-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEA3/LQsSipYknQGPt4f2zzakiX4nfaoa6ygkny5NIk9tQmNnwH
RFsG/52DMqc4EvYPir3tlEkLF/m0aSYV1yUfiAqAJ0xMkrhAZ3J26jw22wy7/wja
Z8seQGwrO0pSDdQmwD9wDAc1gbHT1kDJLWjMKnijo1UzdXd6CrHqTcrJuJdx+SHU
N438BwrQU6tXj8sUqasYCXTBQTtRmJG90CNThCw5IKQ0Pd21hZxzDUUqvaH/MihA
y4WTOxjtz9435gW+T0uXLbTU824uEag9EDtBzaE/i2Gz4cCUOiVhtVgyxtreLnlY
qM7TMS6OfddN/9L0c3myTqSF+fXYMKtuy109ewIDAQABAoIBABacdJe+jEOhQkKT
eVocTQNpKvSxt0Bl3B4tizmxQgwt5WHQ6gbrzewXIj0GBzJa57zRamBzc4xLKP0I
3GGpnOJmdQQCvyR9N/t54inKRJufUIfyg+LA7mAAy+ijm19MEVGN1ilQvQVISCQ0
zFsqXprXLWZ7XsO4eXkE96w9ElrxtyzSIHomGVaIPF7D4IercMiuDG3CxpeAn9Do
TsZxCZmwXrkEobs1YycH6ngmG4tiHmsbHLCTyXS5ReTBY8DVtzxiP0OdyQD9jc50
vUSI8M8022kt8ySA6UaKg0jICAre1Lm6mT3pHigCWAskL+wrM45VrJLQt1OGfKVf
pOl69QECgYEA5rOPWutu9ap+TrSc5mgcClmjjySaXqztCK3otnzmaHLzO8fyZnT/
DF6qdeelTyUPbIhxJuJLaA2FqsCpYLn9/+Dco/R2yQjcRXQxqOYs+eLLbZeeoihI
gBeRDJvSDeqeWq/X+j6ZP1o/ROU9GrpZoAVa9WDiR7JLHcHNled9//sCgYEA+IGu
lrCSfYkYcgeo6aXO+q2LnLWvKBxTQ2b/23ZfxlL0ftwQ6MGrTri4SQz/FNXoCvmC
LwIV1tFkRUN2l0AXXwW5cETsn12lVocoXKLVFh6wu6CvNa/fTrEJpFJiK7Y/20Gv
EMleUEj3383ARFuZTAOaPAApxHrluJ7AWxI5wIECgYB1GE5652S6bH8Pk7zPdahF
2Jmb3gg8Zakp7ptfhKWt/ipW/XWba2bI8IO0tI7DTRw3CknkYpfDiJl/wao23jB9
37Qdw8dG4qhq2D8cazgI3YRDa+GojKm/2jZVIAHN7nfRr87/xSYjcbsLTQ9msY8s
GYvBYBt6KJTX1bZzj7v0YQKBgQCcLMvvMgruUBGH4F58cFLy4cxC8T+iIqMFUh7r
6qnoNswnSeBqlwQ1FgvjBQLuMjyBYSs6pcHZ3oB4sxw9k+7cLfnLn9VhlnXJOmnY
RhFKtID3edWDFQNvLf3UQl4mAISDI/WExDi8lg8JnQH/M93UktMEcEnPjDkA3Owg
kASxgQKBgQChHJzOZGfp16PGXbqxItqmAwDEVEuHoTmalZ0x91QC2M7Pk2C6Ik1e
71KJkctyDbeUZrT9+StAoMNZ/Uc3relzYEyR0ALDcdYx9ITIv2gS2XFMqLtv135E
22Lmepi16u96k1fOB1g7GOWnS1lTw1YGkL0ermEcciuBwHmF14UEkg==
-----END RSA PRIVATE KEY-----
`
	// alipayPublicKeyPEM is the PKIX public half of alipayPrivateKeyPEM.
	alipayPublicKeyPEM = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA3/LQsSipYknQGPt4f2zz
akiX4nfaoa6ygkny5NIk9tQmNnwHRFsG/52DMqc4EvYPir3tlEkLF/m0aSYV1yUf
iAqAJ0xMkrhAZ3J26jw22wy7/wjaZ8seQGwrO0pSDdQmwD9wDAc1gbHT1kDJLWjM
Knijo1UzdXd6CrHqTcrJuJdx+SHUN438BwrQU6tXj8sUqasYCXTBQTtRmJG90CNT
hCw5IKQ0Pd21hZxzDUUqvaH/MihAy4WTOxjtz9435gW+T0uXLbTU824uEag9EDtB
zaE/i2Gz4cCUOiVhtVgyxtreLnlYqM7TMS6OfddN/9L0c3myTqSF+fXYMKtuy109
ewIDAQAB
-----END PUBLIC KEY-----
`

	// otherPrivateKeyPEM is a TEST-ONLY RSA-2048 key (PKCS#1). Never use it outside tests.
	otherPrivateKeyPEM = `-----BEGIN RSA PRIVATE KEY-----
MIIEoQIBAAKCAQEAw3FGvmpbZPMfsmM4b71twsA8b7anFaqijat1XzFtNIYS/hPU
+5GY3B+s2kbynP02otj91sHodNgbNT5/LLYqdwQ9fpryQmPK7rQjP9Xi5ZjTrbXE
pStf36h/0RZ6xJYDNLS8p/NF5Dm/XE6woyxzoBIpOFwtFeN8QQ/iMZt2xvZgZVqo
JzAfcbfvDAbprVWQSqr24lTIl2vTp1tVmvciaAYQBbkMibEujKbuz6pZjWY6P7tF
zEjCfbAiQjQwW9g20mlJVRJxD79uOXE5Pv/qSgJl62g5/Ry4U8Z+RamIgzhxHaTt
sqBrygOkHrMUbvQ57EjLacnqYXuXWgOnoZj0WQIDAQABAoH/NskcbR+UBSYJf6KZ
way5ngKmvZ3XaTtr29C6d59vg25CwBrndJFn8sZ0ZKM1j/DY2dmYWo7cFI+L0/+M
UWn8G9qmt6X0jC3OqNIG9yciTth8HHKaoNbQ8OEykabsSTtKDEt5KSFd8BXediZD
dfQYXQOVrwYPVDgC2afXIcejX3djfQSSwX5XncGjfjiIUFoJvRSqPmzTrXKH/EaK
TEjdIGEoYLoaVF1Gbu1d7zcu1eI91WpombMceXPY+Szvb0DhGYXAODJ98LclogN1
83eqsbyOoFHWHH6DRja0OYbCkH+SSSqbfH+thrFTSq5ZAnsCAU7oBihMsTJYiDtB
HJu9AoGBAMcSJ7uM0/db4U3rCD+wbA/8nq6EMTRJzeqZMgLfoCHhgf9REpeceTW7
Whwe4+1Y/cGMOJbI54paOUtcy6oJ7SKk1oZpmOHsRmgMdHesiGLfzuPgHg0R2dW1
W46PGw7UeEYZ+VKdFMv3Rh9vqYmeC1/aKT5n6myXhyBYUqXbERz7AoGBAPtVfG4B
PDXLFOnLXri6ZRpl6pEa4x1ddLxc/iskxuGrsyAuLoJ8HVpeFU6usnfp72qXLOHr
CpfWB3FSNxPbWj7qZhuqQjC1Kg+ipZ3a62MqFDQjAH+jlZiHx+9Wmu47VYMZf/1S
JtAmBAk9tWHKY0S3z9snMAvUleEgP3GEbgu7AoGAKA5UJl3g7N31CNupDj+ujszz
FQSObgoHwBPRR1i9/PNGWBx1FEKs9Q3cxNnGXSTR8pcHb/e+90zOSIbEiFN0/sqS
S/uFgrgrNpaC/O2fh92m4J1hDpov7duPL7FF7Yb9KIXjcCchXyVDW+H5CDLf8QqR
z/fS6MTYsL506uCYoe8CgYEAzeSiIpvwb0EGyOBJoJtR5+ZF2slj9NJypzynG0Dt
jEHUZDBw+YQjp7wbSHHk0kdaUr+1jP23l9tGDZeEd0fjDleHfnJj9vLymgxsEH0f
CAWYt31VEzs3edUB/Re9pBwHWXayWxvJoAsEk21yAcKCv/C03pujyI1Gmz6Hur76
R7ECgYBDaBjGGYzM9bcX9SEttMJi+RuEO0Wu+Eos2ywDF0fvchNwXsHKevnOPHTv
kwH5vPfiLYcpSm0hyqAZZhHO8LeWHYd2++Rszy/Q4H5HHWUBT5kCYOGxjlONVHb2
/Myb9sD/G44OPiczi3ZmpNoKq/uYnC1U5U7/d0vbNOcuRvgR2Q==
-----END RSA PRIVATE KEY-----
`
	// otherPublicKeyPEM is the PKIX public half of otherPrivateKeyPEM.
	otherPublicKeyPEM = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAw3FGvmpbZPMfsmM4b71t
wsA8b7anFaqijat1XzFtNIYS/hPU+5GY3B+s2kbynP02otj91sHodNgbNT5/LLYq
dwQ9fpryQmPK7rQjP9Xi5ZjTrbXEpStf36h/0RZ6xJYDNLS8p/NF5Dm/XE6woyxz
oBIpOFwtFeN8QQ/iMZt2xvZgZVqoJzAfcbfvDAbprVWQSqr24lTIl2vTp1tVmvci
aAYQBbkMibEujKbuz6pZjWY6P7tFzEjCfbAiQjQwW9g20mlJVRJxD79uOXE5Pv/q
SgJl62g5/Ry4U8Z+RamIgzhxHaTtsqBrygOkHrMUbvQ57EjLacnqYXuXWgOnoZj0
WQIDAQAB
-----END PUBLIC KEY-----
`

	// rootPrivateKeyPEM is a TEST-ONLY RSA-2048 key (PKCS#1). Never use it outside tests.
	rootPrivateKeyPEM = `-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEArovx+ReWriVglj4kH021G/wyG0J55n5JmKQsNBV6idEksDGf
0mz2VneggrvrlYIkaLcIOBl/RAwukxnbvH0zYX0V1wcd+0WM4g8ibl2WcxS1jMdh
EnWZkPAEvWdLb4ynUsaTK1x2RTa4zTHYtWj87U1x8JqzrB2idetDD3yjVH2vLUfQ
+qwNauj3Kol2P6MN6R9384j0u4++3PRohwMVuUBBxDTZw1iPQYv4YE28BfR8XO+P
OVZeM/87dJ3ytSDnnhqkpFNn5FtDL/VwCNevHo1ezq+WwEQwRxlghOQptoW3cWFC
0hIS4clm99VJ4JXF/M3lEdlKDuhYbH3Lni4NdwIDAQABAoIBACTzICa0fSPharhz
cC8mQpQph6vonyiRjF/hRTBDabzaBtO7tZMUmPNGALccM+ti8PUv5fAGScAsegGO
5ErbEDDvi1uJOKoUF5ZVUNsfObWj6SjjniOLvJYHkWFNCBWVp2go/EeeG7VcN7PM
fQ0uK/jKP7gI78ccQOOIiZoyLts4JFIAA+DbgrDVaS+MpZC8gYp3/xcG1Hyzj/O3
ZnSAJsdBDCYQYROFIE+zF64ZTKiA1dNmD2I1911tNpr0pmutXXw3CqdscXLsUoV6
22L591RU9Q9hn54jO6wPWVtfZvzDPt5zjXb04EVcOooTJ0VcOeQTJQgX/xEzTz+f
ZQzW0fECgYEA4poNhZU7t95H/WAP+siUjnmhGnb5ygF+jTxQdwstva6DtU1cHZXU
XNNGKw5VJjXGWk+21u+mnrgG2+6Rp2Q+yb0RJQCWJedlc5Y1fh8rSE/t5mRYBfe3
br1KEIdCBx0Xn0RGWsUEuXlKTC8QSObNpKFJDwLb3bfH64PmGXzXUXECgYEAxTEG
3qrlVxoqmlsIufvubnpqsZxfa8MLGgpGLunrL7v8FQ5xMiCwLnd5FWaxid5vUcZK
3zL0tBBti6sA6Uy8RItviwQkbYBfnkfloJiPKHXE5NhOVt/zRacFB3DdNDpEOTF2
GZh7VLLN9Cq64q+OjdV4byUWEpyX2cBmhq38WWcCgYEAoT4RpR5d0iZff5JdjIwx
+XffBV/nurB5hrKGZ08TC0gk/FvB0mONK0hDQ9v9ByV4sUbLygHZxFMavmDyT/Rr
IU5h5ryWGv6fGDKoechgGiKWHD0GzahJZIlZLI2ylDFFX9VLYseS5w/BqJhMtDNX
3W/O9tmH7isaHSJMF5LX/GECgYEAnVbVKG4ruChEvgzNFbkTMkuzPiyLZqyl+w0f
mudCpT/Vj+eKInk6mpjxoEXkeyFkqVcS/qzl25cQEVVM0NpNjlPDmKShfE3l/aFY
c5/G+n2dsQt21pKyxWzS8nD3z2h+bzQsC5hDL/3Ln3tIyv9RO5KNGgH5brhL4Y9H
P0csBxkCgYAd1RyY+Q4+/uzpIvHfc/yQc7uz+k+9vxviUyjuMJXCuv1n1Q/bo0Hk
AtibRps6YrmdLKr0c+CYIRa9i2TN0YO2IWeJ3tM+YEwrwZD7y2jT2xQ2Z1WF/iJ0
Wop02WiEWR864ZTURNwhiEjgk6NlCku4EpU9WpGvj3SYLHav62E/rQ==
-----END RSA PRIVATE KEY-----
`
)
